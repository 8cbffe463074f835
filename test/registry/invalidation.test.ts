import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { answer, apns, delivery, fcm, h, members, permutations, registrationOf, session, setup, targetTokens, tokenReport } from './harness.js'

const A = apns('a1')
const B = apns('b2')
const C = apns('c3')

const badDeviceToken = (o: { at: string; token: string; dispatch?: string }) => answer({ ...o, status: 400, reason: 'BadDeviceToken' })
const delivered = (o: { at: string; token: string; dispatch?: string }) => answer({ ...o, status: 200 })

describe('dead answers (R16, R17)', () => {
  it('R16: a dead answer invalidates the token', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '14' }),
      answer({ at: h(2), app: 'android', token: fcm('x'), provider: 'fcm', status: 404, reason: 'UNREGISTERED' }),
    )
    expect(await registrationOf(registry, 'android', 'd1')).toMatchObject({ active: false, status: 'ended' })
    expect((await registry.changelog('u1')).at(-1)).toMatchObject({ kind: 'invalidated', reason: 'dead', from: 'u1', to: null })
  })

  it('D12: an FCM legacy NotRegistered answered with status 200 invalidates the token', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'android', device: 'd1', token: fcm('x'), os: '14' }),
      answer({ at: h(2), app: 'android', token: fcm('x'), provider: 'fcm', status: 200, reason: 'NotRegistered' }),
    )
    expect((await registrationOf(registry, 'android', 'd1')).active).toBe(false)
  })

  it('R17: a 410 older than the registration keeps the token, in both arrival orders', async () => {
    const inputs = [
      session({ at: h(5), device: 'd1', token: A }),
      answer({ at: h(6), token: A, status: 410, reason: 'Unregistered', timestamp: Date.parse(h(4)) }),
    ]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
    }
  })

  it('R17: a 410 whose timestamp is at or after the registration kills the token, in both arrival orders', async () => {
    for (const timestamp of [Date.parse(h(5)), Date.parse(h(5)) + 1]) {
      const inputs = [session({ at: h(5), device: 'd1', token: A }), answer({ at: h(6), token: A, status: 410, reason: 'Unregistered', timestamp })]
      for (const order of permutations(inputs)) {
        const { registry, feed } = setup()
        await feed(...order)
        expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(false)
      }
    }
  })

  it('R17: a token re-registered after the evidence time stays active, whatever the arrival order', async () => {
    const inputs = [
      session({ at: h(1), device: 'd1', token: A }),
      answer({ at: h(3), token: A, status: 410, reason: 'Unregistered', timestamp: Date.parse(h(2)) }),
      session({ at: h(4), device: 'd1', token: A }),
    ]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
    }
  })

  it('R17: a dead answer without a timestamp counts as of its own at', async () => {
    const inputs = [
      session({ at: h(4), device: 'd1', token: A }),
      answer({ at: h(3), token: A, status: 410, reason: 'ExpiredToken' }),
      session({ at: h(2), device: 'd2', token: B }),
      answer({ at: h(3), token: B, status: 410, reason: 'ExpiredToken' }),
    ]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
      expect((await registrationOf(registry, 'ios', 'd2')).active).toBe(false)
    }
  })

  it('R16, I6: a dead token is not a target and its owner leaves the segments', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }), answer({ at: h(2), token: A, status: 410, reason: 'Unregistered' }))
    expect(await targetTokens(registry, 'ios', 'background')).toEqual([])
    expect(await members(registry, 'backgroundOrForegroundPushEnabled')).toEqual([])
  })

  it('R16: token.invalidated is emitted with reason dead and a redacted token (S2)', async () => {
    const { registry, feed } = setup()
    const events: unknown[] = []
    registry.on('token.invalidated', (e) => events.push(e))
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    await feed(answer({ at: h(2), token: A, status: 410, reason: 'Unregistered' }))
    expect(events).toEqual([{ appId: 'ios', deviceId: 'd1', owner: 'u1', token: `${A.slice(0, 6)}…${A.slice(-4)}`, reason: 'dead' }])
  })
})

describe('answers that never invalidate (R16, I10)', () => {
  it('I10: any number of credentials, payload and transient answers leave the token active', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    const answers = []
    for (let i = 0; i < 20; i++) {
      answers.push(
        answer({ at: h(2 + i), token: A, status: 403, reason: 'InvalidProviderToken', dispatch: `x${i}` }),
        answer({ at: h(2 + i), token: A, status: 403, reason: 'ExpiredProviderToken', dispatch: `x${i}` }),
        answer({ at: h(2 + i), token: A, status: 400, reason: 'BadTopic', dispatch: `x${i}` }),
        answer({ at: h(2 + i), token: A, status: 503, reason: 'ServiceUnavailable', dispatch: `x${i}` }),
        answer({ at: h(2 + i), token: A, status: 418, reason: 'Teapot', dispatch: `x${i}` }),
      )
    }
    await feed(...answers)
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ active: true, status: 'active' })
    expect(await targetTokens(registry, 'ios')).toEqual([A])
  })
})

describe('ambiguous answers and quarantine (R18, D6)', () => {
  it('R18, D6: an ambiguous answer puts the token in quarantine: not a target, not in segments', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }), badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }))
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ active: false, status: 'suspect' })
    expect(await targetTokens(registry, 'ios', 'background')).toEqual([])
    expect(await members(registry, 'foregroundPushEnabledForApp:ios')).toEqual([])
  })

  it('R18: token.quarantined is emitted', async () => {
    const { registry, feed } = setup()
    const events: unknown[] = []
    registry.on('token.quarantined', (e) => events.push(e))
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    await feed(badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }))
    expect(events).toHaveLength(1)
  })

  it('D6: a later delivered answer clears the quarantine', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', token: A }), badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }), delivered({ at: h(3), token: A, dispatch: 'x2' }))
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('active')
  })

  it('D6: a later report of the token clears the quarantine', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', token: A }), badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }), tokenReport({ at: h(3), device: 'd1', token: A }))
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('active')
  })

  it('D6: a report older than the ambiguous answer does not clear it', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', token: A }), badDeviceToken({ at: h(3), token: A, dispatch: 'x1' }), tokenReport({ at: h(2), device: 'd1', token: A }))
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('suspect')
  })

  it('D6: three ambiguous answers from three distinct dispatches make the token dead', async () => {
    const inputs = [
      session({ at: h(1), device: 'd1', token: A }),
      badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }),
      badDeviceToken({ at: h(3), token: A, dispatch: 'x2' }),
      badDeviceToken({ at: h(4), token: A, dispatch: 'x3' }),
    ]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('ended')
    }
  })

  it('D6: repeated ambiguous answers of one dispatch count once', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', token: A }),
      badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }),
      badDeviceToken({ at: h(3), token: A, dispatch: 'x1' }),
      badDeviceToken({ at: h(4), token: A, dispatch: 'x1' }),
      badDeviceToken({ at: h(5), token: A, dispatch: 'x2' }),
    )
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('suspect')
  })

  it('R18: suspectConfirmations is a policy per app', async () => {
    const { registry, feed } = setup({ policy: { ios: { suspectConfirmations: 1 } } })
    await feed(session({ at: h(1), device: 'd1', token: A }), badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }))
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('ended')
  })

  it('R18, D6: one ambiguous answer is enough when the same dispatch delivered to another token of the app, in any order', async () => {
    const inputs = [
      session({ at: h(1), device: 'd1', token: A }),
      session({ at: h(1), device: 'd2', token: B }),
      badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }),
      delivered({ at: h(2), token: B, dispatch: 'x1' }),
    ]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).status, JSON.stringify(order.map((i) => i.type))).toBe('ended')
      expect((await registrationOf(registry, 'ios', 'd2')).status).toBe('active')
    }
  })

  it('R18, R4: a delivery of the same dispatch id under another app does not confirm', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', token: A }),
      session({ at: h(1), app: 'android', device: 'd2', token: fcm('y'), os: '14' }),
      badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }),
      answer({ at: h(2), app: 'android', token: fcm('y'), provider: 'fcm', status: 200, dispatch: 'x1' }),
    )
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('suspect')
  })

  it('R18: when every token of a dispatch fails alike nothing is invalidated', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', token: A }),
      session({ at: h(1), device: 'd2', token: B }),
      session({ at: h(1), device: 'd3', token: C }),
      badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }),
      badDeviceToken({ at: h(2), token: B, dispatch: 'x1' }),
      badDeviceToken({ at: h(2), token: C, dispatch: 'x1' }),
    )
    for (const device of ['d1', 'd2', 'd3']) expect((await registrationOf(registry, 'ios', device)).status).not.toBe('ended')
  })

  it('R18: FCM SENDER_ID_MISMATCH and token-specific INVALID_ARGUMENT are ambiguous too', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'android', device: 'd1', token: fcm('x'), os: '14' }),
      session({ at: h(1), app: 'android', device: 'd2', token: fcm('y'), os: '14' }),
      answer({ at: h(2), app: 'android', token: fcm('x'), provider: 'fcm', status: 403, reason: 'SENDER_ID_MISMATCH' }),
      answer({ at: h(2), app: 'android', token: fcm('y'), provider: 'fcm', status: 400, reason: 'INVALID_ARGUMENT', detail: 'The registration token is not a valid FCM registration token' }),
    )
    expect((await registrationOf(registry, 'android', 'd1')).status).toBe('suspect')
    expect((await registrationOf(registry, 'android', 'd2')).status).toBe('suspect')
  })
})

describe('answers and reports about unknown things (D9)', () => {
  it('D9: a provider answer for a token the app does not hold is accepted and changes no registration', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    const before = await collect(registry.registrations())
    const report = await feed(answer({ at: h(2), token: B, status: 410, reason: 'Unregistered' }), badDeviceToken({ at: h(2), token: C, dispatch: 'x' }))
    expect(report.accepted).toBe(2)
    expect(await collect(registry.registrations())).toEqual(before)
  })

  it('D9: a delivery report for an unknown device is accepted and creates no registration', async () => {
    const { registry, feed } = setup()
    const report = await feed(delivery({ at: h(1), device: 'ghost', dispatch: 'x1' }), delivery({ at: h(1), device: 'ghost', dispatch: 'x1', event: 'opened' }))
    expect(report.accepted).toBe(2)
    expect(await collect(registry.registrations())).toEqual([])
  })
})
