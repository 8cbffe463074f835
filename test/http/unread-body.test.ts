/** The node:http listener reads a request body only when a route that passed its checks asks for it. */
import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, it } from 'vitest'
import { setup } from './support.js'

it('S3: an unauthenticated POST gets its 401 on its headers alone: the server never reads (or buffers) its body', async () => {
  const { handler } = setup()
  const server = createServer(handler.node)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/inputs', headers: { 'content-type': 'application/json', 'content-length': String(9 * 1024 * 1024) } })
  req.on('error', () => {})
  req.write(Buffer.alloc(64 * 1024, 0x20)) // 64 KiB of a declared 9 MiB, no Authorization header
  // Before the fix the server read (and buffered) the declared 9 MiB first: this waited until
  // the test's time limit. A hang fails the test by that limit.
  const outcome = await new Promise((r) => req.on('response', (res) => r(res.statusCode)))
  req.destroy()
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  expect(outcome).toBe(401)
}, 15_000)
