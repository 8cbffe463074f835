import { describe, expect, it } from 'vitest'
import { apns, d, fcm, registrationOf, session, setup, targetTokens, web } from './harness.js'

describe('staleness and expiry (R19, D7)', () => {
  it('D7: a token not seen for 30 days is stale and still a target', async () => {
    const { registry, feed, clock } = setup()
    await feed(session({ at: d(0), device: 'd1', user: 'u1', token: apns('a1') }))
    clock.set(d(31))
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ status: 'stale', active: true })
    expect(await targetTokens(registry, 'ios')).toEqual([apns('a1')])
    expect((await registry.profile('u1'))?.devices[0]).toMatchObject({ stale: true, pushRegisteredFor: 'Foreground: MyApp (iOS)' })
  })

  it('R19, D7: an FCM token expires after 270 days, without any purge', async () => {
    const { registry, feed, clock } = setup()
    await feed(session({ at: d(0), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '14' }))
    clock.set(d(270))
    expect((await registrationOf(registry, 'android', 'd1')).active).toBe(true)
    clock.set(d(271))
    expect(await registrationOf(registry, 'android', 'd1')).toMatchObject({ status: 'expired', active: false })
    expect(await targetTokens(registry, 'android', 'background')).toEqual([])
  })

  it('D1, R19: an expired token shows in the changelog as invalidated with reason expired', async () => {
    const { registry, feed, clock } = setup()
    await feed(session({ at: d(0), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '14' }))
    clock.set(d(300))
    expect((await registry.changelog('u1')).at(-1)).toMatchObject({ kind: 'invalidated', reason: 'expired', at: Date.parse(d(270)) })
  })

  it('R19: a Web Push token expires after 60 days', async () => {
    const { registry, feed, clock } = setup()
    await feed(session({ at: d(0), app: 'web', device: 'b1', token: web('s1') }))
    clock.set(d(59))
    expect((await registrationOf(registry, 'web', 'b1')).active).toBe(true)
    clock.set(d(61))
    expect((await registrationOf(registry, 'web', 'b1')).active).toBe(false)
  })

  it('R19: an APNs token never expires by default', async () => {
    const { registry, feed, clock } = setup()
    await feed(session({ at: d(0), device: 'd1', token: apns('a1') }))
    clock.set(d(2000))
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ status: 'stale', active: true })
  })

  it('R19: a later session revives an expired token', async () => {
    const { registry, feed, clock } = setup()
    await feed(session({ at: d(0), app: 'android', device: 'd1', token: fcm('x'), os: '14' }))
    clock.set(d(300))
    expect((await registrationOf(registry, 'android', 'd1')).active).toBe(false)
    await feed(session({ at: d(299), app: 'android', device: 'd1', token: fcm('x'), os: '14' }))
    expect(await registrationOf(registry, 'android', 'd1')).toMatchObject({ status: 'active', active: true })
  })

  it('R19: the policy overrides expireAfter per app', async () => {
    const { registry, feed, clock } = setup({ policy: { ios: { expireAfter: 10 * 86_400_000 }, android: { expireAfter: null } } })
    await feed(
      session({ at: d(0), device: 'd1', token: apns('a1') }),
      session({ at: d(0), app: 'android', device: 'd1', token: fcm('x'), os: '14' }),
    )
    clock.set(d(11))
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('expired')
    clock.set(d(1000))
    expect((await registrationOf(registry, 'android', 'd1')).active).toBe(true)
  })

  it('R19: staleAfter is a policy too', async () => {
    const { registry, feed, clock } = setup({ policy: { ios: { staleAfter: '1d' as unknown as number } } })
    await feed(session({ at: d(0), device: 'd1', token: apns('a1') }))
    clock.set(d(2))
    expect((await registrationOf(registry, 'ios', 'd1')).status).toBe('stale')
  })
})
