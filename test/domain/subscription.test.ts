import { describe, expect, it } from 'vitest'
import type { AppId, DeviceId, Instant, UserId, UserRecord } from 'push-registry'
import { laterStamp, subscriptionOf } from '../../src/domain/subscription.js'

const user = (fields: Partial<UserRecord>): UserRecord => ({
  kind: 'user',
  userId: 'u1' as UserId,
  subscription: null,
  email: null,
  phone: null,
  registrations: [],
  optIns: [],
  ...fields,
})
const ref = { appId: 'ios' as AppId, deviceId: 'd1' as DeviceId }
const at = (n: number): Instant => n as Instant

describe('subscriptionOf (R11, R12, R13)', () => {
  it('R11: a user first seen is subscribed', () => {
    expect(subscriptionOf(undefined)).toBe('subscribed')
    expect(subscriptionOf(user({}))).toBe('subscribed')
  })
  it('R11: the last value set wins', () => {
    expect(subscriptionOf(user({ subscription: { at: at(5), value: 'unsubscribed' } }))).toBe('unsubscribed')
  })
  it('R12: an opt-in later than the explicit setting makes the user opted_in', () => {
    expect(subscriptionOf(user({ subscription: { at: at(5), value: 'unsubscribed' }, optIns: [{ ...ref, at: at(6) }] }))).toBe('opted_in')
  })
  it('R13: an explicit unsubscribe later than an opt-in stands', () => {
    expect(subscriptionOf(user({ subscription: { at: at(7), value: 'unsubscribed' }, optIns: [{ ...ref, at: at(6) }] }))).toBe('unsubscribed')
  })
  it('R11: at equal times an explicit setting wins over an opt-in', () => {
    expect(subscriptionOf(user({ subscription: { at: at(6), value: 'unsubscribed' }, optIns: [{ ...ref, at: at(6) }] }))).toBe('unsubscribed')
  })
})

describe('laterStamp (R20)', () => {
  it('R20: equal times break by content, whatever the order of the calls', () => {
    const a = { at: at(1), value: 'opted_in' }
    const b = { at: at(1), value: 'unsubscribed' }
    expect(laterStamp(a, b)).toEqual(laterStamp(b, a))
  })
  it('R20: the later time wins', () => {
    expect(laterStamp({ at: at(2), value: 'a' }, { at: at(1), value: 'b' }).value).toBe('a')
    expect(laterStamp({ at: at(1), value: 'a' }, { at: at(2), value: 'b' }).value).toBe('b')
  })
})
