import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { apns, h, login, logout, members, permutations, registrationOf, session, setup, targetTokens, tokenReport } from './harness.js'

const A = apns('a1')
const B = apns('b2')

const charlieThenKim = [
  session({ at: h(1), device: 'phone', user: 'charlie', token: A }),
  login({ at: h(2), device: 'phone', user: 'kim' }),
]

describe('ownership (R7–R10, D1, D8)', () => {
  it('R7: when Kim logs in on Charlie’s phone the token moves to Kim', async () => {
    const { registry, feed } = setup()
    await feed(...charlieThenKim)
    expect(await registrationOf(registry, 'ios', 'phone')).toMatchObject({ owner: 'kim', owners: ['kim'], active: true })
    expect(await members(registry, 'foregroundPushEnabledForApp:ios')).toEqual(['kim'])
  })

  it('R8, R25: Charlie is no longer push registered through that phone', async () => {
    const { registry, feed } = setup()
    await feed(...charlieThenKim)
    expect((await registry.profile('charlie'))?.devices.map((x) => x.pushRegisteredFor)).toEqual(['--'])
    expect((await registry.profile('kim'))?.devices.map((x) => x.pushRegisteredFor)).toEqual(['Foreground: MyApp (iOS)'])
    expect((await collect(registry.targets({ appId: 'ios', kind: 'alert' }))).map((t) => t.owners)).toEqual([['kim']])
  })

  it('R7, I4: the token stays with Kim until Charlie logs in again, whatever the arrival order', async () => {
    const inputs = [...charlieThenKim, tokenReport({ at: h(3), device: 'phone', token: A }), login({ at: h(4), device: 'phone', user: 'charlie' })]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect((await registrationOf(registry, 'ios', 'phone')).owner).toBe('charlie')
    }
  })

  it('R9, D1: every change of owner is in the changelog, from whom to whom', async () => {
    const { registry, feed } = setup()
    await feed(...charlieThenKim, login({ at: h(3), device: 'phone', user: 'charlie' }))
    const pick = (e: { kind: string; token: unknown; from: unknown; to: unknown }) => [e.kind, e.token, e.from, e.to]
    expect((await registry.changelog('charlie')).map(pick)).toEqual([
      ['registered', A, null, 'charlie'],
      ['transferred_out', A, 'charlie', 'kim'],
      ['transferred_in', A, 'kim', 'charlie'],
    ])
    expect((await registry.changelog('kim')).map(pick)).toEqual([
      ['transferred_in', A, 'charlie', 'kim'],
      ['transferred_out', A, 'kim', 'charlie'],
    ])
  })

  it('D1: a login that claims an anonymous device’s token is transferred_in from null', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'phone', token: A }), login({ at: h(2), device: 'phone', user: 'kim' }))
    expect((await registry.changelog('kim')).map((e) => [e.kind, e.from, e.to])).toEqual([['transferred_in', null, 'kim']])
  })

  it('D1: a user_changed to the current owner writes no entry', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'phone', user: 'kim', token: A }), login({ at: h(2), device: 'phone', user: 'kim' }))
    expect((await registry.changelog('kim')).map((e) => e.kind)).toEqual(['registered'])
  })

  it('D8: an input without userId never changes the owner', async () => {
    const { registry, feed } = setup()
    await feed(login({ at: h(1), device: 'phone', user: 'kim' }), session({ at: h(2), device: 'phone', token: A }), session({ at: h(3), device: 'phone', token: B }))
    expect((await registrationOf(registry, 'ios', 'phone')).owner).toBe('kim')
  })

  it('D8: the owner is null only until the first login', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'phone', token: A }))
    expect((await registrationOf(registry, 'ios', 'phone')).owner).toBeNull()
    expect(await targetTokens(registry, 'ios')).toEqual([A])
    await feed(login({ at: h(2), device: 'phone', user: 'kim' }))
    expect((await registrationOf(registry, 'ios', 'phone')).owner).toBe('kim')
  })

  it('D8: logged_out in exclusive mode is accepted and changes nothing', async () => {
    const { registry, feed } = setup()
    await feed(...charlieThenKim, logout({ at: h(3), device: 'phone', user: 'kim' }))
    expect(await registrationOf(registry, 'ios', 'phone')).toMatchObject({ owner: 'kim', owners: ['kim'], active: true })
    expect(await members(registry, 'foregroundPushEnabledForApp:ios')).toEqual(['kim'])
  })

  it('I3: every active registration has exactly one owner in exclusive mode once someone logged in', async () => {
    const { registry, feed } = setup()
    await feed(...charlieThenKim, login({ at: h(3), device: 'phone', user: 'sam' }), logout({ at: h(4), device: 'phone', user: 'sam' }))
    for (const r of await collect(registry.registrations())) if (r.active) expect(r.owners).toHaveLength(1)
  })
})

describe('registration and changelog agree (I5, I7)', () => {
  const story = [
    session({ at: h(1), device: 'phone', user: 'charlie', token: A }),
    login({ at: h(2), device: 'phone', user: 'kim' }),
    session({ at: h(3), device: 'phone', user: 'kim', token: B }),
    session({ at: h(1), device: 'tablet', user: 'charlie', token: apns('c3') }),
    session({ at: h(4), device: 'laptop', user: 'sam', token: apns('c3') }),
    session({ at: h(2), device: 'watch', user: 'sam', token: apns('d4') }),
    { type: 'uninstalled', at: h(5), appId: 'ios', deviceId: 'watch' },
  ]

  it('I5: a user is push registered for an app iff they own an active registration of it', async () => {
    const { registry, feed } = setup()
    await feed(...story)
    const owners = (await collect(registry.registrations('ios'))).filter((r) => r.active).flatMap((r) => r.owners)
    expect(await members(registry, 'backgroundOrForegroundPushEnabled')).toEqual([...new Set(owners)].sort())
    expect(await members(registry, 'backgroundOrForegroundPushEnabled')).toEqual(['kim', 'sam'])
  })

  it('I7: folding each user’s changelog reproduces the active tokens they own', async () => {
    for (const order of [story, [...story].reverse()]) {
      const { registry, feed } = setup()
      await feed(...order)
      for (const user of ['charlie', 'kim', 'sam']) {
        const held = new Map<string, unknown>()
        for (const e of await registry.changelog(user)) {
          if (e.kind === 'registered' || e.kind === 'transferred_in' || e.kind === 'rotated') held.set(e.deviceId, e.token)
          else held.delete(e.deviceId)
        }
        const owned = (await collect(registry.registrations('ios'))).filter((r) => r.active && (r.owners as readonly string[]).includes(user))
        expect(Object.fromEntries(held), user).toEqual(Object.fromEntries(owned.map((r) => [r.deviceId, r.token])))
      }
    }
  })
})

describe('shared ownership (R10)', () => {
  const shared = { ios: { ownership: 'shared' as const } }

  it('R10: in shared mode two signed-in accounts both own the device’s token', async () => {
    const { registry, feed } = setup({ policy: shared })
    await feed(...charlieThenKim)
    expect([...(await registrationOf(registry, 'ios', 'phone')).owners].sort()).toEqual(['charlie', 'kim'])
    expect(await members(registry, 'foregroundPushEnabledForApp:ios')).toEqual(['charlie', 'kim'])
    const [target] = await collect(registry.targets({ appId: 'ios', kind: 'alert' }))
    expect([...(target?.owners ?? [])].sort()).toEqual(['charlie', 'kim'])
  })

  it('R10: a logout detaches one account only', async () => {
    const { registry, feed } = setup({ policy: shared })
    await feed(...charlieThenKim, logout({ at: h(3), device: 'phone', user: 'charlie' }))
    expect(await registrationOf(registry, 'ios', 'phone')).toMatchObject({ owners: ['kim'], active: true })
    expect(await members(registry, 'foregroundPushEnabledForApp:ios')).toEqual(['kim'])
    expect((await registry.profile('charlie'))?.devices.map((x) => x.pushRegisteredFor)).toEqual(['--'])
  })

  it('R10, I9: shared ownership is the same in any arrival order', async () => {
    const inputs = [...charlieThenKim, logout({ at: h(3), device: 'phone', user: 'charlie' }), login({ at: h(4), device: 'phone', user: 'sam' })]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup({ policy: shared })
      await feed(...order)
      expect([...(await registrationOf(registry, 'ios', 'phone')).owners].sort()).toEqual(['kim', 'sam'])
    }
  })

  it('R10: the exclusive default still applies to apps without the override', async () => {
    const { registry, feed } = setup({ policy: shared })
    await feed(
      session({ at: h(1), app: 'android', device: 'tab', user: 'charlie', token: 'fcm-token-0123456789', os: '14' }),
      login({ at: h(2), app: 'android', device: 'tab', user: 'kim' }),
    )
    expect((await registrationOf(registry, 'android', 'tab')).owners).toEqual(['kim'])
  })
})
