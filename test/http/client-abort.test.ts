import { createServer } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { expect, it } from 'vitest'
import { collect, createRegistry, fixedClock } from 'push-registry'
import { createHttpHandler } from 'push-registry/http'
import { createMemoryStorage } from 'push-registry/memory'
import { apps, bothKey, keys, now } from './support.js'

it('HTTP: a client that disconnects in the middle of its body is logged as a client abort (499), not as a server error', async () => {
  const registry = createRegistry({ apps, storage: createMemoryStorage(), clock: fixedClock(now) })
  let logged: (line: string) => void = () => undefined
  const line = new Promise<string>((resolve) => (logged = resolve))
  const handler = createHttpHandler({ registry, keys, log: (text) => logged(text) })
  const server = createServer(handler.node)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => undefined)
    const head = `POST /v1/inputs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bothKey}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\nexpect: 100-continue\r\n\r\n`
    socket.write(head)
    // "100 Continue" says the server holds the request and reads its body: then leave.
    await new Promise<void>((resolve) => socket.once('data', () => resolve()))
    socket.write('[{"type":"session_started",')
    socket.destroy()
    expect(await line).toMatch(/^POST \/v1\/inputs 499 \d+ms \(connection closed mid-request\)$/)
    expect(await collect(registry.registrations())).toEqual([])
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})
