import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultRetryPolicy, isQuotaExceeded, planRetry } from 'push-registry'
import { apns, fcm, h, registrationOf, session } from '../harness.js'
import { perToken, scriptedPort } from './scripted-port.js'
import { dispatchSetup } from './support.js'

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 10_000, quotaDelayMs: 60_000 }

describe('planRetry (R16)', () => {
  it('R16: full jitter: the wait is uniform under a ceiling that doubles per attempt, capped at maxDelayMs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const plan = planRetry(policy, attempt, 0, undefined, () => r)
        const ceiling = Math.min(1000, 100 * 2 ** (attempt - 1))
        expect(plan).toEqual({ retry: true, delayMs: Math.floor(r * ceiling) })
      }),
    )
    expect(planRetry(policy, 1, 0, undefined, () => 0.999)).toEqual({ retry: true, delayMs: 99 })
    expect(planRetry(policy, 4, 0, undefined, () => 0.999)).toEqual({ retry: true, delayMs: 799 })
  })

  it('R16, §4: Retry-After is a floor under the jittered wait', () => {
    expect(planRetry(policy, 1, 0, 3, () => 0.5)).toEqual({ retry: true, delayMs: 3000 })
    expect(planRetry(policy, 1, 0, 0.01, () => 0.5)).toEqual({ retry: true, delayMs: 50 })
  })

  it('R16, §4 table: FCM QUOTA_EXCEEDED without Retry-After waits at least quotaDelayMs, doubling per retry, past maxDelayMs', () => {
    const roomy = { ...policy, budgetMs: 1_000_000 }
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        expect(planRetry(roomy, attempt, 0, undefined, () => r, true)).toEqual({ retry: true, delayMs: 60_000 * 2 ** (attempt - 1) })
      }),
    )
    // The floor is the policy's: a host may lower (or raise) it.
    expect(planRetry({ ...roomy, quotaDelayMs: 5_000 }, 2, 0, undefined, () => 0, true)).toEqual({ retry: true, delayMs: 10_000 })
    // A Retry-After FCM sent is its own word on when to come back, and wins over the floor.
    expect(planRetry(roomy, 1, 0, 3, () => 0, true)).toEqual({ retry: true, delayMs: 3000 })
    // The floor counts against the budget like any wait: with the defaults, one retry after a minute.
    expect(planRetry(defaultRetryPolicy, 1, 0, undefined, () => 0.999, true)).toEqual({ retry: true, delayMs: 60_000 })
    expect(planRetry(defaultRetryPolicy, 2, 60_000, undefined, () => 0, true)).toEqual({ retry: false, why: 'budget' })
  })

  it('§4 table: only FCM QUOTA_EXCEEDED is a quota refusal; other 429s keep the ordinary backoff', () => {
    expect(isQuotaExceeded({ provider: 'fcm', reason: 'QUOTA_EXCEEDED' })).toBe(true)
    expect(isQuotaExceeded({ provider: 'fcm', reason: 'UNAVAILABLE' })).toBe(false)
    expect(isQuotaExceeded({ provider: 'fcm' })).toBe(false)
    expect(isQuotaExceeded({ provider: 'apns', reason: 'QUOTA_EXCEEDED' })).toBe(false)
    expect(isQuotaExceeded({ provider: 'apns', reason: 'TooManyRequests' })).toBe(false)
  })

  it('R16: no retry past maxAttempts, nor past the budget', () => {
    expect(planRetry(policy, 5, 0, undefined, () => 0)).toEqual({ retry: false, why: 'attempts' })
    expect(planRetry(policy, 1, 9_000, 2, () => 0)).toEqual({ retry: false, why: 'budget' })
    expect(planRetry(policy, 1, 0, 3600, () => 0)).toEqual({ retry: false, why: 'budget' })
  })

  it('a random source out of [0, 1) cannot push the wait over its ceiling', () => {
    expect(planRetry(policy, 1, 0, undefined, () => 7)).toEqual({ retry: true, delayMs: 100 })
    expect(planRetry(policy, 1, 0, undefined, () => Number.NaN)).toEqual({ retry: true, delayMs: 0 })
  })

  it('has documented defaults', () => {
    expect(defaultRetryPolicy).toEqual({ maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000, budgetMs: 60_000, quotaDelayMs: 60_000 })
  })
})

describe('transient answers in a dispatch (R16)', () => {
  it('R16: a transient answer is retried with backoff honouring Retry-After, then delivered', async () => {
    const A = fcm('a')
    const port = scriptedPort(
      'fcm',
      perToken(new Map([[A, [{ status: 503 }, { status: 429, retryAfterSeconds: 7 }, { status: 500 }, { status: 200 }]]])),
    )
    const { dispatcher, feed, waits } = dispatchSetup({ providers: { android: port }, dispatcher: { retry: policy } })
    await feed(session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: A, os: '14' }))
    const retries: number[] = []
    dispatcher.on('dispatch.retry', (e) => retries.push(e.delayMs))
    const report = await dispatcher.send({ appId: 'android', kind: 'alert', audience: { userIds: ['u1'] }, payload: {} })
    // random() is 0.5: half of 100, then max(half of 200, 7 s), then half of 400.
    expect(waits).toEqual([50, 7000, 200])
    expect(retries).toEqual(waits)
    expect(report).toMatchObject({ delivered: 1, retries: 3, transientFailed: 0 })
    expect(port.calls).toHaveLength(4)
  })

  it('R16, §4 table: FCM QUOTA_EXCEEDED without Retry-After is retried after a minute, then two, never after 0.5 s', async () => {
    const A = fcm('a')
    const B = fcm('b')
    const quota = { status: 429, reason: 'QUOTA_EXCEEDED' }
    const port = scriptedPort('fcm', perToken(new Map([[A, [quota, quota, { status: 200 }]], [B, [quota, { status: 200 }]]])))
    const { dispatcher, feed, waits } = dispatchSetup({ providers: { android: port }, dispatcher: { retry: { budgetMs: 10 * 60_000 } } })
    await feed(session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: A, os: '14' }))
    await feed(session({ at: h(1), app: 'android', device: 'd2', user: 'u1', token: B, os: '14' }))
    const report = await dispatcher.send({ appId: 'android', kind: 'alert', audience: { userIds: ['u1'] }, payload: {} })
    expect([...waits].sort((x, y) => x - y)).toEqual([60_000, 60_000, 120_000])
    expect(report).toMatchObject({ delivered: 2, retries: 3, transientFailed: 0 })
  })

  it('R16, §4 table: with the default policy a QUOTA_EXCEEDED token waits one minute, and gives up when the next wait passes the budget', async () => {
    const A = fcm('a')
    const port = scriptedPort('fcm', perToken(new Map([[A, [{ status: 429, reason: 'QUOTA_EXCEEDED' }]]])))
    const { dispatcher, feed, registry, waits } = dispatchSetup({ providers: { android: port } })
    await feed(session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: A, os: '14' }))
    const report = await dispatcher.send({ appId: 'android', kind: 'alert', audience: { userIds: ['u1'] }, payload: {} })
    expect(waits).toEqual([60_000])
    expect(report).toMatchObject({ transientFailed: 1, retries: 1 })
    expect((await registrationOf(registry, 'android', 'd1')).active).toBe(true)
  })

  it('R16: when the budget is spent the token counts transientFailed and stays active', async () => {
    const A = apns('a1')
    const port = scriptedPort('apns', perToken(new Map([[A, [{ status: 503, retryAfterSeconds: 6 }]]])))
    const { dispatcher, feed, registry, waits } = dispatchSetup({ providers: { ios: port }, dispatcher: { retry: policy } })
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: ['u1'] }, payload: {} })
    expect(waits).toEqual([6000])
    expect(report).toMatchObject({ transientFailed: 1, retries: 1, sent: 1 })
    expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
  })

  it('§4: an unrecognised answer is retried within the attempts, then reported, and never invalidates', async () => {
    const A = apns('a1')
    const port = scriptedPort('apns', () => ({ status: 418, reason: 'Teapot' }))
    const { dispatcher, feed, registry } = dispatchSetup({ providers: { ios: port }, dispatcher: { retry: { ...policy, maxAttempts: 3 } } })
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: ['u1'] }, payload: {} })
    expect(port.calls).toHaveLength(3)
    expect(report).toMatchObject({ transientFailed: 1, answers: { transient: 3 } })
    expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
  })

  it('a port that throws is treated as a network failure: retried, never invalidating', async () => {
    const A = apns('a1')
    const port = {
      provider: 'apns',
      send: async () => {
        throw new Error(`socket hang up while sending to ${A}`)
      },
      close: async () => undefined,
    }
    const { dispatcher, feed, registry } = dispatchSetup({ providers: { ios: port }, dispatcher: { retry: { ...policy, maxAttempts: 2 } } })
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: ['u1'] }, payload: {} })
    expect(report).toMatchObject({ transientFailed: 1, retries: 1 })
    expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
  })
})
