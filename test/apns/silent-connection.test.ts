/**
 * The APNs adapter on connections that misbehave below HTTP/2: a TCP proxy in front of the
 * loopback peer stops forwarding, as a NAT that dropped the flow would.
 */
import { createConnection, createServer } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'
import type { AppId, ProviderPort } from 'push-registry'
import { createApnsProvider } from 'push-registry/apns'
import { afterEach, expect, it } from 'vitest'
import { loopbackCertificate, startApnsPeer } from '../peers/apns/index.js'
import type { ApnsPeer } from '../peers/apns/index.js'
import { apns, h, session } from '../registry/harness.js'
import { dispatchSetup } from '../registry/dispatch/support.js'

const topic = 'com.example.charlie'
const certificate = loopbackCertificate()
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const peer = async (): Promise<ApnsPeer> => {
  const p = await startApnsPeer({ certificate })
  cleanups.push(() => p.close())
  return p
}
const provider = (p: ApnsPeer, origin: string, logs: string[], extra: object = {}): ProviderPort => {
  const port = createApnsProvider({ ...p.credentials!, topic, endpoints: { production: origin }, tls: { ca: p.ca }, log: (l) => logs.push(l), ...extra })
  cleanups.push(() => port.close())
  return port
}

/**
 * A TCP proxy in front of the peer whose connections can be silenced: bytes stop flowing both
 * ways and nothing is closed, as when a NAT forgets the flow.
 */
const silenceableProxy = async (p: ApnsPeer): Promise<{ readonly origin: string; readonly silence: () => void }> => {
  const upstreamPort = Number(new URL(p.origin).port)
  const pairs: { client: Socket; upstream: Socket }[] = []
  const server: Server = createServer((client) => {
    const upstream = createConnection(upstreamPort, '127.0.0.1')
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('error', () => {})
    upstream.on('error', () => {})
    pairs.push({ client, upstream })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(async () => {
    for (const { client, upstream } of pairs) (client.destroy(), upstream.destroy())
    await new Promise<void>((r) => server.close(() => r()))
  })
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    silence: () => {
      for (const { client, upstream } of pairs) (client.unpipe(upstream), upstream.unpipe(client), client.pause(), upstream.pause())
    },
  }
}

it('§4: an ExpiredProviderToken sent through the dispatcher and the APNs adapter is retried once in all: one new mint, never a mint storm', async () => {
  const p = await peer()
  const logs: string[] = []
  const port = provider(p, p.origin, logs)
  const A = apns('a1')
  p.script(A, Array.from({ length: 6 }, () => ({ status: 403, reason: 'ExpiredProviderToken' })))
  const { dispatcher, feed } = dispatchSetup({ providers: { ios: port } })
  await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
  await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: ['u1'] }, payload: { aps: { alert: 'hi' } } })
  const sends = p.received.filter((r) => r.token === A).length
  const mints = logs.filter((l) => l.includes('minted')).length
  expect(sends).toBeLessThanOrEqual(2)
  expect(mints).toBeLessThanOrEqual(2)
})

it('a stream that times out on a silently dead connection (NAT dropped the flow) sends later pushes to a new connection', async () => {
  const p = await peer()
  const proxy = await silenceableProxy(p)
  const logs: string[] = []
  const port = provider(p, proxy.origin, logs, { timeoutMs: 300 })
  const push = (t: string) => port.send({ appId: 'ios' as AppId, token: t, kind: 'alert', payload: { aps: { alert: 'x' } } })
  expect((await push(apns('b1'))).status).toBe(200)
  proxy.silence()
  const second = await push(apns('b2'))
  expect(second).toEqual({ status: 0, detail: 'ETIMEDOUT' })
  const third = await push(apns('b3'))
  const fourth = await push(apns('b4'))
  expect([third.status, fourth.status]).toContain(200)
})

it('close() settles even when the connection went silent', async () => {
  const p = await peer()
  const proxy = await silenceableProxy(p)
  const port = createApnsProvider({ ...p.credentials!, topic, endpoints: { production: proxy.origin }, tls: { ca: p.ca }, timeoutMs: 300 })
  expect((await port.send({ appId: 'ios' as AppId, token: apns('c1'), kind: 'alert', payload: { aps: { alert: 'x' } } })).status).toBe(200)
  proxy.silence()
  // A graceful close would wait minutes for the kernel; the adapter destroys the session after
  // timeoutMs instead. A hang fails this test by its own time limit.
  await port.close()
}, 20_000)
