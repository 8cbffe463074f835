import { collect } from 'push-registry'
import { parse } from 'node:url'
import { describe, expect, it } from 'vitest'
import { answer, h, registrationOf, session, setup } from './harness.js'

/**
 * I2, S1 at ingest: one Web Push subscription written in several spellings is one token. The
 * registry stores, identifies and hands out its canonical spelling, so it is active on one
 * device only, and no consumer of a target or an export can resolve it to another host.
 */

const keys = { p256dh: 'p256dh-k', auth: 'auth-k' }
const canonical = 'https://fcm.googleapis.com/fcm/send/abc123'
const spellings = [
  canonical,
  'https://FCM.googleapis.com/fcm/send/abc123',
  'https://fcm.googleapis.com:443/fcm/send/abc123',
  'https:fcm.googleapis.com/fcm/send/abc123',
  'https://fcm.googleapis.com\\fcm\\send\\abc123',
  'https://fcm%2Egoogleapis%2Ecom/fcm/send/abc123',
  'https://fcm.googleapis.com./fcm/send/abc123#x',
]

const reports = spellings.map((endpoint, i) => session({ at: h(i + 1), app: 'web', device: `b${i}`, user: `u${i}`, token: { endpoint, keys } }))

describe('Web Push endpoint spellings (I2, S1)', () => {
  it('I2, S1: every spelling of one subscription is one token: active on the latest device only, stored canonical', async () => {
    const { registry, feed } = setup()
    await feed(...reports)
    const active = (await collect(registry.registrations('web'))).filter((r) => r.active)
    expect(active.map((r) => r.deviceId)).toEqual([`b${spellings.length - 1}`])
    const targets = await collect(registry.targets({ appId: 'web', kind: 'alert' }))
    expect(targets.map((t) => t.token)).toEqual([{ endpoint: canonical, keys }])
  })

  it('I2: in any arrival order the same device holds it', async () => {
    for (const order of [reports, [...reports].reverse()]) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await collect(registry.registrations('web'))).filter((r) => r.active).map((r) => r.deviceId)).toEqual([`b${spellings.length - 1}`])
    }
  })

  it('R16, S1: a provider answer spelled otherwise is about the same token', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'web', device: 'b0', user: 'u0', token: { endpoint: canonical, keys } }),
      answer({ at: h(2), app: 'web', token: { endpoint: 'https:FCM.googleapis.com:443/fcm/send/abc123', keys }, provider: 'webpush', status: 410 }),
    )
    expect((await registrationOf(registry, 'web', 'b0')).status).toBe('ended')
  })

  it('S1: no exported spelling resolves to another host, with the WHATWG parser or the legacy url.parse that web-push uses', async () => {
    const { registry, feed } = setup()
    await feed(...spellings.map((endpoint, i) => session({ at: h(1), app: 'web', device: `b${i}`, user: `u${i}`, token: { endpoint: endpoint.replace('abc123', `s${i}`), keys } })))
    const exported = await registry.exportUsers(spellings.map((_, i) => `u${i}`))
    const endpoints = exported.flatMap((e) => e.push_tokens.map((t) => (t.token as { endpoint: string }).endpoint))
    expect(endpoints).toHaveLength(spellings.length)
    for (const endpoint of endpoints) {
      expect(new URL(endpoint).hostname, endpoint).toBe('fcm.googleapis.com')
      expect(parse(endpoint).hostname, endpoint).toBe('fcm.googleapis.com')
      expect(new URL(endpoint).href, endpoint).toBe(endpoint)
    }
  })
})
