import { describe, expect, it } from 'vitest'
import type { Registry } from 'push-registry'
import { answer, apns, attributes, fcm, h, login, members, permutations, prompt, session, setup, subscriptionSet, tokenReport, uninstall } from './harness.js'

const A = apns('a1')
const stateOf = async (registry: Registry, user: string) => (await registry.profile(user))?.subscription

describe('subscription state (R11, R13)', () => {
  it('R11: a user first seen is subscribed', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    expect(await stateOf(registry, 'u1')).toBe('subscribed')
  })

  it('R11, R20: the last value set wins by time, not by arrival', async () => {
    const inputs = [subscriptionSet({ at: h(2), user: 'u1', state: 'unsubscribed' }), subscriptionSet({ at: h(1), user: 'u1', state: 'opted_in' })]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect(await stateOf(registry, 'u1')).toBe('unsubscribed')
    }
  })

  it('R13: no bounce, uninstall or revoked permission sets unsubscribed', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      answer({ at: h(2), token: A, status: 410, reason: 'Unregistered', timestamp: Date.parse(h(2)) }),
      session({ at: h(3), app: 'android', device: 'd2', user: 'u1', token: fcm('x'), os: '14' }),
      tokenReport({ at: h(4), app: 'android', device: 'd2', token: fcm('x'), permission: 'denied' }),
      uninstall({ at: h(5), app: 'android', device: 'd2' }),
    )
    expect(await stateOf(registry, 'u1')).toBe('subscribed')
  })

  it('R13: only an explicit call unsubscribes; a later session does not undo it', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      subscriptionSet({ at: h(2), user: 'u1', state: 'unsubscribed' }),
      session({ at: h(3), device: 'd1', user: 'u1', token: A }),
    )
    expect(await stateOf(registry, 'u1')).toBe('unsubscribed')
  })

  it('D11, R24: users known only from subscription_set or user_attributes are in pushSubscription segments', async () => {
    const { registry, feed } = setup()
    await feed(subscriptionSet({ at: h(1), user: 'u1', state: 'unsubscribed' }), attributes({ at: h(1), user: 'u2', email: 'u2@example.com' }))
    expect(await members(registry, 'pushSubscription:unsubscribed')).toEqual(['u1'])
    expect(await members(registry, 'pushSubscription:subscribed')).toEqual(['u2'])
  })
})

describe('opt-in on push authorisation (R12, D3)', () => {
  it('R12, D3: an accepted prompt opts the owner in', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', permission: 'not_determined' }), prompt({ at: h(2), device: 'd1', result: 'granted' }))
    expect(await stateOf(registry, 'u1')).toBe('opted_in')
  })

  it('D3: a granted report after a denied report opts in (permission re-enabled)', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A, permission: 'denied' }),
      session({ at: h(2), device: 'd1', user: 'u1', token: A, permission: 'granted' }),
    )
    expect(await stateOf(registry, 'u1')).toBe('opted_in')
  })

  it('D3: a granted report after a not_determined report opts in', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '14', permission: 'not_determined' }),
      tokenReport({ at: h(2), app: 'android', device: 'd1', token: fcm('x'), permission: 'granted' }),
    )
    expect(await stateOf(registry, 'u1')).toBe('opted_in')
  })

  it('R12: opt-in is an explicit event, not inferred from every granted session', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }), session({ at: h(2), device: 'd1', user: 'u1', token: A }))
    expect(await stateOf(registry, 'u1')).toBe('subscribed')
  })

  it('D3: provisional never opts in', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', permission: 'not_determined' }),
      prompt({ at: h(2), device: 'd1', result: 'provisional' }),
      session({ at: h(3), device: 'd1', user: 'u1', token: A, permission: 'provisional' }),
    )
    expect(await stateOf(registry, 'u1')).toBe('subscribed')
  })

  it('R12, D3: never on Android 12 and earlier', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '12', permission: 'denied' }),
      prompt({ at: h(2), app: 'android', device: 'd1', result: 'granted' }),
      tokenReport({ at: h(3), app: 'android', device: 'd1', token: fcm('x'), permission: 'granted' }),
    )
    expect(await stateOf(registry, 'u1')).toBe('subscribed')
  })

  it('R12, D3: never when the app’s optInWhenPushAuthorized is off', async () => {
    const { registry, feed } = setup({ policy: { ios: { optInWhenPushAuthorized: false } } })
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A, permission: 'denied' }),
      prompt({ at: h(2), device: 'd1', result: 'granted' }),
      session({ at: h(3), device: 'd1', user: 'u1', token: A, permission: 'granted' }),
    )
    expect(await stateOf(registry, 'u1')).toBe('subscribed')
  })

  it('D3: the opt-in goes to the owner at that time, even when the user_changed arrives later', async () => {
    const inputs = [
      session({ at: h(1), device: 'd1', permission: 'not_determined' }),
      login({ at: h(2), device: 'd1', user: 'charlie' }),
      prompt({ at: h(3), device: 'd1', result: 'granted' }),
      login({ at: h(4), device: 'd1', user: 'kim' }),
    ]
    for (const order of permutations(inputs)) {
      const { registry, feed } = setup()
      await feed(...order)
      expect([await stateOf(registry, 'charlie'), await stateOf(registry, 'kim')], JSON.stringify(order.map((i) => i.type))).toEqual(['opted_in', 'subscribed'])
    }
  })

  it('R13, R12: an explicit unsubscribe later than the opt-in wins; an earlier one does not', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', permission: 'not_determined' }),
      prompt({ at: h(2), device: 'd1', result: 'granted' }),
      subscriptionSet({ at: h(3), user: 'u1', state: 'unsubscribed' }),
      session({ at: h(1), device: 'd2', user: 'u2', permission: 'not_determined' }),
      subscriptionSet({ at: h(1), user: 'u2', state: 'unsubscribed' }),
      prompt({ at: h(2), device: 'd2', result: 'granted' }),
    )
    expect(await stateOf(registry, 'u1')).toBe('unsubscribed')
    expect(await stateOf(registry, 'u2')).toBe('opted_in')
  })

  it('R12: subscription.changed is emitted for the opt-in', async () => {
    const { registry, feed } = setup()
    const changes: unknown[] = []
    registry.on('subscription.changed', (e) => changes.push(e))
    await feed(session({ at: h(1), device: 'd1', user: 'u1', permission: 'not_determined' }))
    await feed(prompt({ at: h(2), device: 'd1', result: 'granted' }))
    expect(changes).toEqual([{ userId: 'u1', from: 'subscribed', to: 'opted_in' }])
  })
})
