import { collect } from 'push-registry'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ProviderReply } from 'push-registry'
import { classifyAnswer, deadEvidenceAt } from 'push-registry'
import { apns, h, session } from '../harness.js'
import { perToken, scriptedPort } from './scripted-port.js'
import { dispatchSetup, outcomeSum } from './support.js'

/** Every kind of APNs answer §4 lists, plus one it does not. */
const palette: readonly ProviderReply[] = [
  { status: 200 },
  { status: 410, reason: 'Unregistered', timestamp: Date.parse(h(1.5)) },
  // R17: APNs learned the token was gone before the device last registered it.
  { status: 410, reason: 'Unregistered', timestamp: Date.parse(h(0.5)) },
  { status: 410, reason: 'ExpiredToken' },
  { status: 400, reason: 'BadDeviceToken' },
  { status: 403, reason: 'InvalidProviderToken' },
  { status: 403, reason: 'ExpiredProviderToken' },
  { status: 400, reason: 'BadTopic' },
  { status: 413, reason: 'PayloadTooLarge' },
  { status: 503, reason: 'ServiceUnavailable', retryAfterSeconds: 1 },
  { status: 418 },
]

const registeredAt = Date.parse(h(1))
const answeredAt = Date.parse(h(2))

const scenario = fc.record({
  scripts: fc.array(fc.array(fc.constantFrom(...palette), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  threshold: fc.constantFrom(2, 3, null),
})

describe('what a dispatch invalidates (property)', () => {
  it('R16, R17, R18, D6, I10: the invalidated tokens are exactly those answered dead (R17-eligible) and the ambiguous ones the dispatch confirms; never on credentials, payload or transient answers', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ scripts, concurrency, maxAttempts, threshold }) => {
        const tokens = scripts.map((_, i) => apns(i.toString(16).padStart(2, '0')))
        const port = scriptedPort('apns', perToken(new Map(tokens.map((token, i) => [token, scripts[i] as ProviderReply[]]))))
        const { dispatcher, feed, registry, clock } = dispatchSetup({
          providers: { ios: port },
          policy: { ios: { ambiguousAlikeThreshold: threshold } },
          dispatcher: { concurrency, retry: { maxAttempts } },
        })
        await feed(...tokens.map((token, i) => session({ at: h(1), device: `d${i}`, user: `u${i}`, token })))
        clock.set(h(2))
        const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: tokens.map((_, i) => `u${i}`) }, payload: {} })

        // The model: each token's last reply is its final answer (a stopped token's last one too).
        const finals = new Map<string, ProviderReply>()
        for (const { key, reply } of port.replies) finals.set(key, reply)
        const classOf = (reply: ProviderReply) => classifyAnswer({ provider: 'apns', ...reply }).class
        const counts = { delivered: 0, dead: 0, ambiguous: 0, credentials: 0 }
        for (const reply of finals.values()) {
          const c = classOf(reply)
          if (c === 'delivered' || c === 'dead' || c === 'ambiguous' || c === 'credentials') counts[c]++
        }
        const withheld =
          counts.ambiguous > 0 && counts.delivered === 0 && counts.dead === 0 && ((threshold !== null && counts.ambiguous >= threshold) || report.credentialsRejected > 0)
        const expected = (token: string): string => {
          const reply = finals.get(token)
          if (reply === undefined) return 'active'
          switch (classOf(reply)) {
            case 'dead': {
              const evidence = deadEvidenceAt({ type: 'provider_answer', appId: 'ios', token, provider: 'apns', at: answeredAt, ...reply } as never)
              return evidence >= registeredAt ? 'ended' : 'active'
            }
            case 'ambiguous':
              return withheld ? 'active' : counts.delivered > 0 ? 'ended' : 'suspect'
            default:
              return 'active'
          }
        }
        const summaries = await collect(registry.registrations('ios'))
        for (const [i, token] of tokens.entries()) {
          const summary = summaries.find((r) => r.deviceId === `d${i}`)
          expect(summary?.status, `d${i} after ${JSON.stringify(scripts[i])}`).toBe(expected(token))
        }
        expect(outcomeSum(report)).toBe(tokens.length)
        // An ambiguous answer is always final, so each one is either fed (suspect) or withheld.
        expect(report.suspect + report.withheld).toBe(counts.ambiguous)
      }),
      { numRuns: 150 },
    )
  })
})
