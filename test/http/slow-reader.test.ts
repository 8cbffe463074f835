import { createServer } from 'node:http'
import type { ServerResponse } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { expect, it } from 'vitest'
import { nodeAdapter } from '../../src/http/node-adapter.js'

const chunk = new Uint8Array(16 * 1024).fill(0x61)
const chunks = 1024 // 16 MiB: far more than the socket buffers hold, so writes wait on the reader

/** A streamed answer of `chunks` chunks, produced as it is pulled (as the segment export is). */
const bigAnswer = async (): Promise<Response> => {
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull: (controller) => {
      if (sent++ < chunks) controller.enqueue(chunk)
      else controller.close()
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'application/octet-stream' } })
}

it('HTTP: a streamed answer to a slow reader waits on back-pressure without adding a listener per wait (no MaxListenersExceededWarning)', async () => {
  const listen = nodeAdapter({ fetch: bigAnswer, maxBodyBytes: 1024, record: () => undefined })
  let response: ServerResponse | null = null
  let waits = 0
  let most = 0
  const server = createServer((req, res) => {
    response = res
    const write = res.write.bind(res) as (data: Uint8Array) => boolean
    res.write = ((data: Uint8Array) => {
      most = Math.max(most, res.listenerCount('close') + res.listenerCount('error') + res.listenerCount('drain'))
      const accepted = write(data)
      if (!accepted) waits++
      return accepted
    }) as typeof res.write
    listen(req, res)
  })
  const warnings: string[] = []
  const onWarning = (warning: Error): void => void warnings.push(warning.name)
  process.on('warning', onWarning)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const { port } = server.address() as AddressInfo
    const received = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /export HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'))
      let bytes = 0
      // The slow reader: one chunk, then a pause until the event loop has turned.
      socket.on('data', (data: Buffer) => {
        bytes += data.length
        socket.pause()
        setImmediate(() => socket.resume())
      })
      socket.on('end', () => resolve(bytes))
      socket.on('error', reject)
    })
    expect(received).toBeGreaterThan(chunk.length * chunks)
  } finally {
    process.off('warning', onWarning)
    await new Promise((resolve) => server.close(resolve))
  }
  // The reader was slow enough for the writer to wait many times…
  expect(waits).toBeGreaterThan(20)
  // …and each wait removed what it added before the next write (a leak grows by two per wait).
  expect(most).toBeLessThanOrEqual(2)
  expect(response === null ? -1 : (response as ServerResponse).listenerCount('close')).toBeLessThanOrEqual(4)
  expect(warnings).not.toContain('MaxListenersExceededWarning')
})
