import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import type { ProviderReply } from 'push-registry'
import { tokenKey } from 'push-registry'
import { fcm, h, session, web } from '../harness.js'
import { perToken, scriptedPort } from './scripted-port.js'
import { dispatchSetup, outcomeSum } from './support.js'

const users = 10_000
const apps = ['ios', 'android', 'web'] as const
const appOf = (i: number) => apps[i % 3] as (typeof apps)[number]
const tokenOf = (i: number) => {
  const app = appOf(i)
  return app === 'ios' ? i.toString(16).padStart(64, '0') : app === 'android' ? fcm(`n${i}`) : web(`w${i}`)
}

/** What each provider answers, by `i % 20`: 0 dead, 1 ambiguous, 2 a stale 410 (R17), 3 transient then delivered, 4 payload. */
const replies = (i: number): ProviderReply[] | undefined => {
  const app = appOf(i)
  switch (i % 20) {
    case 0:
      return [app === 'ios' ? { status: 410, reason: 'Unregistered', timestamp: Date.parse(h(1.5)) } : app === 'android' ? { status: 404, reason: 'UNREGISTERED' } : { status: 410 }]
    case 1:
      return app === 'web' ? undefined : [app === 'ios' ? { status: 400, reason: 'BadDeviceToken' } : { status: 403, reason: 'SENDER_ID_MISMATCH' }]
    case 2:
      return app === 'ios' ? [{ status: 410, reason: 'Unregistered', timestamp: Date.parse(h(0.5)) }] : undefined
    case 3:
      return [{ status: app === 'web' ? 429 : 503, retryAfterSeconds: 1 }, { status: app === 'web' ? 201 : 200 }]
    case 4:
      return [app === 'ios' ? { status: 400, reason: 'BadTopic' } : app === 'android' ? { status: 400, reason: 'INVALID_ARGUMENT', detail: 'Invalid JSON payload' } : { status: 413 }]
    default:
      return undefined
  }
}

const table = new Map<string, ProviderReply[]>()
for (let i = 0; i < users; i++) {
  const r = replies(i)
  if (r !== undefined) table.set(tokenKey(tokenOf(i)), r)
}

describe('a send to a segment of 10,000 users across the three providers', () => {
  it('R16, R17, R18, D6, I10: invalidates exactly the tokens declared dead (and the ambiguous ones D6 confirms), and nothing on credential errors', async () => {
    const ports = {
      ios: scriptedPort('apns', perToken(table)),
      android: scriptedPort('fcm', perToken(table)),
      web: scriptedPort('webpush', perToken(table, { status: 201 })),
    }
    const { dispatcher, registry, feed, clock } = dispatchSetup({ providers: ports, dispatcher: { concurrency: 64 } })
    const sessions = Array.from({ length: users }, (_, i) =>
      session({ at: h(1), app: appOf(i), device: `dev${i}`, user: `user${i}`, token: tokenOf(i), ...(appOf(i) === 'android' ? { os: '14' } : {}) }),
    )
    for (let start = 0; start < users; start += 5000) await feed(...sessions.slice(start, start + 5000))
    clock.set(h(2))

    const reports = await Promise.all(
      apps.map((appId) => dispatcher.send({ appId, kind: 'alert', audience: { segment: 'backgroundOrForegroundPushEnabled' }, payload: { title: 'hi' } })),
    )
    expect(reports.reduce((n, r) => n + r.targeted, 0)).toBe(users)
    for (const report of reports) {
      expect(outcomeSum(report)).toBe(report.targeted)
      expect(report.credentialStop).toBeNull()
      expect(report.feedbackRejected).toBe(0)
    }
    const expectedDead = new Set<string>()
    for (let i = 0; i < users; i++) if (i % 20 === 0 || (i % 20 === 1 && appOf(i) !== 'web')) expectedDead.add(`dev${i}`)
    const all = await collect(registry.registrations())
    const ended = all.filter((r) => !r.active)
    expect(ended.every((r) => r.status === 'ended')).toBe(true)
    expect(new Set(ended.map((r) => r.deviceId))).toEqual(expectedDead)
    for (const report of reports) {
      const mine = Array.from({ length: users }, (_, i) => i).filter((i) => appOf(i) === report.appId)
      const count = (...residues: number[]) => mine.filter((i) => residues.includes(i % 20) && replies(i) !== undefined).length
      expect(report).toMatchObject({ dead: count(0, 2), suspect: count(1), payloadRejected: count(4), retries: count(3), transientFailed: 0 })
    }

    // The same segment again, through credentials every provider refuses.
    const before = all.filter((r) => r.active).length
    const refusing = {
      ios: scriptedPort('apns', () => ({ status: 403, reason: 'InvalidProviderToken' })),
      android: scriptedPort('fcm', () => ({ status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' })),
      web: scriptedPort('webpush', () => ({ status: 403 })),
    }
    const second = dispatchSetup({ providers: refusing, dispatcher: { concurrency: 64 } })
    for (let start = 0; start < users; start += 5000) await second.feed(...sessions.slice(start, start + 5000))
    const refused = await Promise.all(
      apps.map((appId) => second.dispatcher.send({ appId, kind: 'alert', audience: { segment: 'backgroundOrForegroundPushEnabled' }, payload: {} })),
    )
    for (const report of refused) {
      expect(report.credentialStop?.cause).toBe('credentials')
      expect(report.sent).toBeLessThanOrEqual(64)
      expect(report.credentialsStopped).toBe(report.targeted - report.sent)
    }
    expect((await collect(second.registry.registrations())).filter((r) => r.active)).toHaveLength(users)
    expect(before).toBe(users - expectedDead.size)
  })
})
