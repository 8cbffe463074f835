import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { apns, d, fcm, h, permutations, registrationOf, session, setup, targetTokens, tokenReport, uninstall, answer, members } from './harness.js'

const A = apns('a1')
const B = apns('b2')

describe('registration and tokens (R1–R6, R14)', () => {
  it('R1, I1: a device holds one token; reporting another replaces it', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }), session({ at: h(2), device: 'd1', token: B }))
    expect(await collect(registry.registrations('ios'))).toHaveLength(1)
    expect(await targetTokens(registry, 'ios')).toEqual([B])
  })

  it('R2, D1: a different token at session start rotates the old one, whatever the arrival order', async () => {
    for (const order of permutations([session({ at: h(1), device: 'd1', user: 'u1', token: A }), session({ at: h(2), device: 'd1', token: B })])) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).token).toBe(B)
      const log = await registry.changelog('u1')
      expect(log.map((e) => [e.kind, e.token, e.previousToken, e.from, e.to])).toEqual([
        ['registered', A, undefined, null, 'u1'],
        ['rotated', B, A, 'u1', 'u1'],
      ])
    }
  })

  it('D1: re-reporting the same token by the same owner writes no changelog entry', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      session({ at: h(2), device: 'd1', user: 'u1', token: A }),
      tokenReport({ at: h(3), device: 'd1', token: A }),
    )
    expect((await registry.changelog('u1')).map((e) => e.kind)).toEqual(['registered'])
  })

  it('R3: the same token reported later by another device moves there; the former device keeps no active token', async () => {
    const inputs = [session({ at: h(1), device: 'd1', user: 'u1', token: A }), session({ at: h(2), device: 'd2', user: 'u2', token: A })]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      const d1 = await registrationOf(registry, 'ios', 'd1')
      const d2 = await registrationOf(registry, 'ios', 'd2')
      expect(d1.active).toBe(false)
      expect(d2).toMatchObject({ token: A, active: true, owner: 'u2' })
      expect(await targetTokens(registry, 'ios')).toEqual([A])
      const log = await registry.changelog('u1')
      expect(log.at(-1)).toMatchObject({ kind: 'invalidated', reason: 'moved', from: 'u1', to: null })
    }
  })

  it('R3: a claim by another device that is older than the current one does not move the token', async () => {
    const inputs = [session({ at: h(2), device: 'd1', user: 'u1', token: A }), session({ at: h(1), device: 'd2', user: 'u2', token: A })]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
      expect((await registrationOf(registry, 'ios', 'd2')).active).toBe(false)
    }
  })

  it('R3, R20: two devices reporting one token at the same time: the greater deviceId holds it, in any order', async () => {
    const inputs = [session({ at: h(1), device: 'd1', user: 'u1', token: A }), session({ at: h(1), device: 'd2', user: 'u2', token: A })]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(false)
      expect((await registrationOf(registry, 'ios', 'd2')).active).toBe(true)
    }
  })

  it('I2: a token value is active in at most one registration per app', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', token: A }),
      session({ at: h(2), device: 'd2', token: A }),
      session({ at: h(3), device: 'd3', token: A }),
      session({ at: h(4), device: 'd1', token: A }),
    )
    const active = (await collect(registry.registrations('ios'))).filter((r) => r.active)
    expect(active.map((r) => r.deviceId)).toEqual(['d1'])
  })

  it('R4, I8: the same string under two apps is two unrelated tokens', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'ios', device: 'd1', user: 'u1', token: A }),
      session({ at: h(1), app: 'android', device: 'd1', user: 'u2', token: A, os: '14' }),
      session({ at: h(2), app: 'android', device: 'd9', user: 'u3', token: A, os: '14' }),
      answer({ at: h(3), app: 'android', token: A, provider: 'fcm', status: 404, reason: 'UNREGISTERED' }),
    )
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ active: true, owner: 'u1' })
    expect((await collect(registry.registrations('android'))).filter((r) => r.active)).toEqual([])
    expect(await targetTokens(registry, 'ios')).toEqual([A])
  })

  it('R5: Android 12 is foreground-capable and its user subscribed after the first session', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '12', permission: 'not_determined' }))
    expect(await registrationOf(registry, 'android', 'd1')).toMatchObject({ capability: 'foreground', active: true })
    expect((await registry.profile('u1'))?.subscription).toBe('subscribed')
  })

  it('R5, D4: Android 13 is background until the permission is granted', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '13', permission: 'not_determined' }))
    expect((await registrationOf(registry, 'android', 'd1')).capability).toBe('background')
    expect(await targetTokens(registry, 'android', 'alert')).toEqual([])
    expect(await targetTokens(registry, 'android', 'background')).toEqual([fcm('x')])
    await feed(tokenReport({ at: h(2), app: 'android', device: 'd1', token: fcm('x'), permission: 'granted' }))
    expect((await registrationOf(registry, 'android', 'd1')).capability).toBe('foreground')
  })

  it('R5: iOS has no token until the app registers', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', permission: 'not_determined' }))
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ token: null, active: false, capability: null })
  })

  it('R5: a declined iOS prompt leaves the user subscribed with no foreground token', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A, permission: 'denied' }))
    expect((await registrationOf(registry, 'ios', 'd1')).capability).toBe('background')
    expect((await registry.profile('u1'))?.subscription).toBe('subscribed')
    expect(await members(registry, 'foregroundPushEnabledForApp:ios')).toEqual([])
  })

  it('R6: capability changes only through reports; a session start turns foreground back on', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '14' }),
      tokenReport({ at: h(2), app: 'android', device: 'd1', token: fcm('x'), permission: 'denied' }),
      answer({ at: h(3), app: 'android', token: fcm('x'), provider: 'fcm', status: 200 }),
      { type: 'subscription_set', at: h(3), userId: 'u1', state: 'opted_in' },
    )
    expect((await registrationOf(registry, 'android', 'd1')).capability).toBe('background')
    await feed(session({ at: h(4), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '14', permission: 'granted' }))
    expect((await registrationOf(registry, 'android', 'd1')).capability).toBe('foreground')
  })

  it('R14: uninstall invalidates the token; a reinstall never launched gets nothing; the next session registers again', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: d(1), device: 'd1', user: 'u1', token: A }), uninstall({ at: d(2), device: 'd1' }))
    expect(await targetTokens(registry, 'ios', 'background')).toEqual([])
    expect((await registry.changelog('u1')).at(-1)).toMatchObject({ kind: 'invalidated', reason: 'uninstalled' })
    // The reinstall has a new deviceId and never started a session: nothing to send to.
    expect(await collect(registry.registrations('ios'))).toHaveLength(1)
    await feed(session({ at: d(3), device: 'd2', user: 'u1', token: B }))
    expect(await targetTokens(registry, 'ios')).toEqual([B])
  })

  it('R14: a session after the uninstall on the same device registers again', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: d(1), device: 'd1', user: 'u1', token: A }), uninstall({ at: d(2), device: 'd1' }), session({ at: d(3), device: 'd1', token: A }))
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ active: true, token: A })
  })

  it('R14: an uninstall reported late, older than the latest session, does not end the newer registration', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: d(3), device: 'd1', user: 'u1', token: A }), uninstall({ at: d(2), device: 'd1' }))
    expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
  })

  it('S4: an APNs token keeps its environment, and a send target carries it', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', token: A, env: 'sandbox' }),
      session({ at: h(1), device: 'd2', token: B, env: 'production' }),
    )
    const targets = await collect(registry.targets({ appId: 'ios', kind: 'alert' }))
    expect(Object.fromEntries(targets.map((t) => [t.deviceId, t.environment]))).toEqual({ d1: 'sandbox', d2: 'production' })
  })

  it('S4: the environment stays that of the active token after a rotation', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', token: A, env: 'sandbox' }), session({ at: h(2), device: 'd1', token: B, env: 'production' }))
    const [target] = await collect(registry.targets({ appId: 'ios', kind: 'alert' }))
    expect(target).toMatchObject({ token: B, environment: 'production' })
  })
})
