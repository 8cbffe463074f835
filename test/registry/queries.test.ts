import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { apns, attributes, d, fcm, h, login, members, session, setup, subscriptionSet, targetTokens, uninstall, web } from './harness.js'

const A = apns('a1')
const B = apns('b2')
const C = apns('c3')

/** fg: foreground on iOS; prov: provisional on iOS; bg: background-only on iOS; andfg: foreground on Android; unsub flags. */
const population = () => [
  session({ at: h(1), device: 'd-fg', user: 'fg', token: A }),
  session({ at: h(1), device: 'd-prov', user: 'prov', token: B, permission: 'provisional' }),
  session({ at: h(1), device: 'd-bg', user: 'bg', token: C, permission: 'denied' }),
  session({ at: h(1), app: 'android', device: 'a-fg', user: 'andfg', token: fcm('x'), os: '14' }),
  session({ at: h(1), device: 'd-fg-unsub', user: 'fgUnsub', token: apns('d4') }),
  session({ at: h(1), device: 'd-prov-unsub', user: 'provUnsub', token: apns('e5'), permission: 'provisional' }),
  session({ at: h(1), device: 'd-bg-unsub', user: 'bgUnsub', token: apns('f6'), permission: 'denied' }),
  subscriptionSet({ at: h(2), user: 'fgUnsub', state: 'unsubscribed' }),
  subscriptionSet({ at: h(2), user: 'provUnsub', state: 'unsubscribed' }),
  subscriptionSet({ at: h(2), user: 'bgUnsub', state: 'unsubscribed' }),
  subscriptionSet({ at: h(2), user: 'nobody', state: 'opted_in' }),
]

describe('segments (R21–R24)', () => {
  it('R21: foregroundPushEnabledForApp lists owners of active foreground or provisional tokens, subscription ignored', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    expect(await members(registry, 'foregroundPushEnabledForApp:ios')).toEqual(['fg', 'fgUnsub', 'prov', 'provUnsub'])
    expect(await members(registry, 'foregroundPushEnabledForApp:android')).toEqual(['andfg'])
  })

  it('R22: foregroundPushEnabled is provisional users, or foreground users not unsubscribed', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    expect(await members(registry, 'foregroundPushEnabled')).toEqual(['andfg', 'fg', 'prov', 'provUnsub'])
  })

  it('R23: backgroundOrForegroundPushEnabled is users with any active token, not unsubscribed', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    expect(await members(registry, 'backgroundOrForegroundPushEnabled')).toEqual(['andfg', 'bg', 'fg', 'prov'])
  })

  it('R24: pushSubscription:<state> lists users by subscription state', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    expect(await members(registry, 'pushSubscription:unsubscribed')).toEqual(['bgUnsub', 'fgUnsub', 'provUnsub'])
    expect(await members(registry, 'pushSubscription:opted_in')).toEqual(['nobody'])
    expect(await members(registry, 'pushSubscription:subscribed')).toEqual(['andfg', 'bg', 'fg', 'prov'])
  })

  it('R24: uninstalled(between) lists users whose devices were all uninstalled in that range', async () => {
    const { registry, feed } = setup({ now: d(30) })
    await feed(
      session({ at: d(1), device: 'd1', user: 'early', token: A }),
      uninstall({ at: d(2), device: 'd1' }),
      session({ at: d(1), device: 'd2', user: 'late', token: B }),
      uninstall({ at: d(10), device: 'd2' }),
      session({ at: d(1), device: 'd3', user: 'still', token: C }),
    )
    expect(await members(registry, `uninstalled:${d(5)}/${d(20)}`)).toEqual(['late'])
    expect(await members(registry, `uninstalled:${d(0)}/${d(20)}`)).toEqual(['early', 'late'])
  })
})

describe('send eligibility (R27)', () => {
  it('R27: an alert needs subscribed or opted_in and a foreground or provisional token', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    expect((await targetTokens(registry, 'ios', 'alert')).sort()).toEqual([A, B].sort())
  })

  it('R27: targets read a page at a time (byPage) are the same targets, in the same order, in pages that are never empty', async () => {
    const { registry, feed } = setup()
    const tokens = Array.from({ length: 10_000 }, (_, i) => apns(i.toString(16).padStart(4, '0')))
    const sessions = tokens.map((token, i) => session({ at: h(1), device: `d${i}`, user: `u${i}`, token, permission: i % 3 === 0 ? 'denied' : 'granted' }))
    for (let i = 0; i < sessions.length; i += 1000) await feed(...sessions.slice(i, i + 1000))
    const items = await collect(registry.targets({ appId: 'ios', kind: 'alert' }))
    const pages = await collect(registry.targets({ appId: 'ios', kind: 'alert' }).byPage())
    expect(pages.length).toBeGreaterThan(1)
    expect(pages.every((page) => page.length > 0)).toBe(true)
    expect(pages.flat()).toEqual(items)
    expect(items).toHaveLength(tokens.length - Math.ceil(tokens.length / 3))
  })

  it('R27: a background push needs only an active token, whatever the subscription', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    expect((await targetTokens(registry, 'ios', 'background')).sort()).toEqual([A, B, C, apns('d4'), apns('e5'), apns('f6')].sort())
  })

  it('R27: a send may override both rules', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    const unsubscribedAlerts = await collect(registry.targets({ appId: 'ios', kind: 'alert', eligibility: { states: ['unsubscribed'] } }))
    expect(unsubscribedAlerts.map((t) => t.token).sort()).toEqual([apns('d4'), apns('e5')].sort())
    const backgroundOnly = await collect(registry.targets({ appId: 'ios', kind: 'background', eligibility: { capabilities: ['background'] } }))
    expect(backgroundOnly.map((t) => t.token).sort()).toEqual([C, apns('f6')].sort())
  })

  it('R5: web has no background push', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), app: 'web', device: 'b1', user: 'u1', token: web('s1') }))
    expect(await targetTokens(registry, 'web', 'alert')).toEqual([web('s1')])
    expect(await targetTokens(registry, 'web', 'background')).toEqual([])
  })

  it('R11, R27: an anonymous device’s user is subscribed by default and gets alerts', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', token: A }))
    expect(await targetTokens(registry, 'ios', 'alert')).toEqual([A])
  })
})

describe('profiles (R25, D2)', () => {
  it('R25, D2: one entry per registration the user was seen on, with the app name and capability', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      session({ at: h(1), app: 'android', device: 'a1', user: 'u1', token: fcm('x'), os: '14', permission: 'denied' }),
      session({ at: h(1), device: 'd2', user: 'u1', token: B }),
      login({ at: h(2), device: 'd2', user: 'u2' }),
      session({ at: h(1), device: 'd3', user: 'u1' }),
    )
    const profile = await registry.profile('u1')
    expect(profile?.devices.map((x) => `${x.appId}/${x.deviceId}: ${x.pushRegisteredFor}`).sort()).toEqual([
      'android/a1: Background: MyApp (Android)',
      'ios/d1: Foreground: MyApp (iOS)',
      'ios/d2: --',
      'ios/d3: --',
    ])
    expect(profile?.subscription).toBe('subscribed')
    expect(profile?.changelog.length).toBeGreaterThan(0)
  })

  it('R25: an unknown user has no profile', async () => {
    const { registry } = setup()
    expect(await registry.profile('ghost')).toBeNull()
  })
})

describe('exports (R26, D10)', () => {
  it('R26: the export has the shape backend teams consume', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      session({ at: h(1), app: 'android', device: 'a1', user: 'u1', token: fcm('x'), os: '14', permission: 'denied' }),
      subscriptionSet({ at: h(2), user: 'u1', state: 'opted_in' }),
    )
    const [exported] = await registry.exportUsers(['u1', 'ghost'])
    expect(exported).toEqual({
      external_id: 'u1',
      push_subscribe: 'opted_in',
      push_tokens: expect.arrayContaining([
        { app: 'MyApp (iOS)', platform: 'ios', token: A, device_id: 'd1', notifications_enabled: true },
        { app: 'MyApp (Android)', platform: 'android', token: fcm('x'), device_id: 'a1', notifications_enabled: false },
      ]),
    })
    expect(exported?.push_tokens).toHaveLength(2)
    expect(await registry.exportUsers(['ghost'])).toEqual([])
  })

  it('D10: uninstalled_at is the latest uninstall when the user has no active registration left', async () => {
    const { registry, feed } = setup({ now: d(30) })
    await feed(
      session({ at: d(1), device: 'd1', user: 'u1', token: A }),
      session({ at: d(1), device: 'd2', user: 'u1', token: B }),
      uninstall({ at: d(3), device: 'd1' }),
      uninstall({ at: d(5), device: 'd2' }),
    )
    const [exported] = await registry.exportUsers(['u1'])
    expect(exported).toEqual({ external_id: 'u1', push_subscribe: 'subscribed', push_tokens: [], uninstalled_at: d(5) })
  })

  it('D10: no uninstalled_at while the user still has an active registration', async () => {
    const { registry, feed } = setup({ now: d(30) })
    await feed(session({ at: d(1), device: 'd1', user: 'u1', token: A }), session({ at: d(1), device: 'd2', user: 'u1', token: B }), uninstall({ at: d(3), device: 'd1' }))
    const [exported] = await registry.exportUsers(['u1'])
    expect(exported).not.toHaveProperty('uninstalled_at')
  })

  it('D10: no uninstalled_at when the tokens ended otherwise than by uninstall', async () => {
    const { registry, feed } = setup({ now: d(30) })
    await feed(session({ at: d(1), device: 'd1', user: 'u1', token: A }), { type: 'provider_answer', at: d(2), appId: 'ios', token: A, provider: 'apns', status: 410, reason: 'Unregistered' })
    const [exported] = await registry.exportUsers(['u1'])
    expect(exported).not.toHaveProperty('uninstalled_at')
  })

  it('R26: a segment exports its users, streamed', async () => {
    const { registry, feed } = setup()
    await feed(...population())
    const spec = { kind: 'pushSubscription', state: 'unsubscribed' } as const
    const ids: string[] = []
    for await (const e of registry.exportSegment(spec)) ids.push(e.external_id)
    expect(ids.sort()).toEqual(['bgUnsub', 'fgUnsub', 'provUnsub'])
  })
})

describe('look-up by contact (D11)', () => {
  it('D11: a profile is found by email and phone', async () => {
    const { registry, feed } = setup()
    await feed(attributes({ at: h(1), user: 'charlie', email: 'charlie@example.com', phone: '+33612345678' }))
    expect(await registry.lookup({ email: 'charlie@example.com' })).toBe('charlie')
    expect(await registry.lookup({ phone: '+33612345678' })).toBe('charlie')
    expect(await registry.lookup({ email: 'nobody@example.com' })).toBeNull()
  })

  it('D11: addresses are normalised: email case and spaces, phone separators', async () => {
    const { registry, feed } = setup()
    await feed(attributes({ at: h(1), user: 'charlie', email: '  Charlie@Example.COM ', phone: '+33 6 12 34 56 78' }))
    expect(await registry.lookup({ email: 'charlie@example.com' })).toBe('charlie')
    expect(await registry.lookup({ email: 'CHARLIE@example.com' })).toBe('charlie')
    expect(await registry.lookup({ phone: '+33612345678' })).toBe('charlie')
    expect(await registry.lookup({ phone: '+33 (6) 12-34-56-78' })).toBe('charlie')
  })

  it('D11: when two users claim one address, the later claim wins, in any arrival order', async () => {
    for (const order of [
      [attributes({ at: h(1), user: 'a', email: 'x@example.com' }), attributes({ at: h(2), user: 'b', email: 'x@example.com' })],
      [attributes({ at: h(2), user: 'b', email: 'x@example.com' }), attributes({ at: h(1), user: 'a', email: 'x@example.com' })],
    ]) {
      const { registry, feed } = setup()
      await feed(...order)
      expect(await registry.lookup({ email: 'x@example.com' })).toBe('b')
    }
  })

  it('D11: a user who changed email is no longer found under the old one', async () => {
    const { registry, feed } = setup()
    await feed(attributes({ at: h(1), user: 'a', email: 'old@example.com' }), attributes({ at: h(2), user: 'a', email: 'new@example.com' }))
    expect(await registry.lookup({ email: 'old@example.com' })).toBeNull()
    expect(await registry.lookup({ email: 'new@example.com' })).toBe('a')
  })

  it('D11: when the later claimant moves on, the address goes back to the earlier one who still has it', async () => {
    const { registry, feed } = setup()
    await feed(
      attributes({ at: h(1), user: 'a', email: 'x@example.com' }),
      attributes({ at: h(2), user: 'b', email: 'x@example.com' }),
      attributes({ at: h(3), user: 'b', email: 'y@example.com' }),
    )
    expect(await registry.lookup({ email: 'x@example.com' })).toBe('a')
  })

  it('D11: an absent field changes nothing; null clears it', async () => {
    const { registry, feed } = setup()
    await feed(attributes({ at: h(1), user: 'a', email: 'a@example.com', phone: '+1555' }), attributes({ at: h(2), user: 'a', phone: '+1666' }))
    expect(await registry.lookup({ email: 'a@example.com' })).toBe('a')
    await feed(attributes({ at: h(3), user: 'a', email: null }))
    expect(await registry.lookup({ email: 'a@example.com' })).toBeNull()
    expect(await registry.lookup({ phone: '+1666' })).toBe('a')
  })
})
