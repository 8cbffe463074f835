import { collect } from 'push-registry'
import type { ProviderReply, Registry, Target } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { createWebPushProvider } from 'push-registry/webpush'
import webPush from 'web-push'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LoopbackAgent, WebPushPeer } from '../peers/webpush/index.js'
import { startWebPushPeer } from '../peers/webpush/index.js'

const t0 = Date.parse('2026-11-23T09:00:00Z')
const iso = (ms: number): string => new Date(ms).toISOString()
const keys = webPush.generateVAPIDKeys()
const vapid = { subject: 'mailto:ops@example.com', publicKey: keys.publicKey, privateKey: keys.privateKey }

/**
 * The whole loop a host runs: registry targets → adapter → loopback push service → the reply
 * fed back as a `provider_answer` → the registry's next targets.
 */
describe('registry, Web Push adapter and peer together', () => {
  let peer: WebPushPeer
  let agent: LoopbackAgent

  beforeAll(async () => {
    peer = await startWebPushPeer({ now: () => t0 + 60_000 })
    agent = peer.agent()
  })
  afterAll(async () => {
    agent.destroy()
    await peer.close()
  })

  const setUp = async (): Promise<{ registry: Registry; target: Target; send: (target: Target) => Promise<ProviderReply> }> => {
    const registry = createRegistry({
      apps: [{ appId: 'web', name: 'MyApp (Web)', platform: 'web' }],
      storage: createMemoryStorage(),
      clock: fixedClock(t0 + 3_600_000),
      limits: { webPushHosts: [peer.hostname] },
    })
    const subscription = peer.subscribe({ applicationServerKey: keys.publicKey })
    const report = await registry.ingest({
      type: 'session_started', at: iso(t0), appId: 'web', deviceId: 'kim-firefox', userId: 'kim', token: subscription, permission: 'granted',
    })
    expect(report.rejected).toEqual([])
    const targets = await collect(registry.targets({ appId: 'web', kind: 'alert' }))
    expect(targets).toHaveLength(1)
    const provider = createWebPushProvider({ vapid, allowedHosts: [peer.hostname], agent, clock: fixedClock(t0 + 60_000) })
    const send = (target: Target): Promise<ProviderReply> =>
      provider.send({ appId: target.appId, token: target.token, kind: 'alert', payload: { title: 'Salut Kim' } })
    return { registry, target: targets[0] as Target, send }
  }

  const feedBack = async (registry: Registry, target: Target, reply: ProviderReply): Promise<void> => {
    const report = await registry.ingest({
      type: 'provider_answer', at: iso(t0 + 60_000), appId: 'web', token: target.token, provider: 'webpush', status: reply.status,
      ...(reply.reason === undefined ? {} : { reason: reply.reason }),
    })
    expect(report.rejected).toEqual([])
  }

  it('R16, R17: the registry target is delivered, and a 410 from the push service retires it', async () => {
    const { registry, target, send } = await setUp()
    expect((await send(target)).status).toBe(201)
    expect(peer.received.at(-1)?.plaintext.toString()).toBe('{"title":"Salut Kim"}')
    peer.unsubscribe(peer.received.at(-1)?.endpoint ?? '')
    const gone = await send(target)
    expect(gone.status).toBe(410)
    await feedBack(registry, target, gone)
    expect(await collect(registry.targets({ appId: 'web', kind: 'alert' }))).toEqual([])
  })

  it('I10: a 403 (VAPID) answer fed back leaves the token a target', async () => {
    const { registry, target, send } = await setUp()
    peer.script((target.token as { endpoint: string }).endpoint, [{ status: 403 }])
    const refused = await send(target)
    expect(refused.status).toBe(403)
    await feedBack(registry, target, refused)
    expect(await collect(registry.targets({ appId: 'web', kind: 'alert' }))).toHaveLength(1)
  })
})
