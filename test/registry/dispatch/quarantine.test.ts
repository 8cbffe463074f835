import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { apns, h, registrationOf, session, targetTokens } from '../harness.js'
import { perToken, scriptedPort } from './scripted-port.js'
import { dispatchSetup, outcomeSum } from './support.js'

const A = apns('a1')
const B = apns('b2')
const C = apns('c3')
const badDeviceToken = { status: 400, reason: 'BadDeviceToken' }
const users = ['u1', 'u2', 'u3']

const threeDevices = (feed: (...inputs: unknown[]) => Promise<unknown>) =>
  feed(
    session({ at: h(1), device: 'd1', user: 'u1', token: A }),
    session({ at: h(1), device: 'd2', user: 'u2', token: B }),
    session({ at: h(1), device: 'd3', user: 'u3', token: C }),
  )

describe('ambiguous answers (R18, D6)', () => {
  it('R18: an ambiguous answer alone puts the token in quarantine: no longer a target, not invalidated', async () => {
    const port = scriptedPort('apns', perToken(new Map([[A, [badDeviceToken]]])))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port } })
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    clock.set(h(2))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: ['u1'] }, payload: {} })
    expect(report).toMatchObject({ suspect: 1, withheld: 0, credentialStop: null })
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ status: 'suspect', active: false })
    expect(await targetTokens(registry, 'ios')).toEqual([])
  })

  it('D6: an ambiguous token is confirmed dead when the same dispatch delivered to other tokens of the app', async () => {
    const port = scriptedPort('apns', perToken(new Map([[A, [badDeviceToken]]])))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port } })
    await threeDevices(feed)
    clock.set(h(2))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: users }, payload: {} })
    expect(report).toMatchObject({ suspect: 1, delivered: 2 })
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ status: 'ended', active: false })
    expect((await registry.changelog('u1')).at(-1)).toMatchObject({ kind: 'invalidated', reason: 'dead' })
    expect((await targetTokens(registry, 'ios')).sort()).toEqual([B, C].sort())
  })

  it('R18: when every token of the credential fails alike, nothing is quarantined and the credential is blamed', async () => {
    const port = scriptedPort('apns', () => badDeviceToken)
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port } })
    await threeDevices(feed)
    clock.set(h(2))
    const stops: unknown[] = []
    dispatcher.on('dispatch.credentials_stopped', (e) => stops.push(e))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: users }, payload: {} })
    expect(report).toMatchObject({ suspect: 0, withheld: 3, credentialStop: { cause: 'ambiguous_alike', status: 400, reason: 'BadDeviceToken' } })
    expect(stops).toHaveLength(1)
    expect(outcomeSum(report)).toBe(3)
    expect((await collect(registry.registrations('ios'))).every((r) => r.active)).toBe(true)
    // Repeating it never accumulates the confirmations D6 counts either.
    for (let round = 0; round < 3; round++) await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: users }, payload: {} })
    expect((await collect(registry.registrations('ios'))).every((r) => r.active)).toBe(true)
  })

  it('R18: a dead answer in the dispatch shows the credential works, so the ambiguous ones are token evidence', async () => {
    const port = scriptedPort('apns', perToken(new Map([[C, [{ status: 410, reason: 'ExpiredToken' }]]]), badDeviceToken))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port } })
    await threeDevices(feed)
    clock.set(h(2))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: users }, payload: {} })
    expect(report).toMatchObject({ suspect: 2, withheld: 0, dead: 1, credentialStop: null })
    expect((await collect(registry.registrations('ios'))).map((r) => [r.deviceId, r.status]).sort()).toEqual([
      ['d1', 'suspect'],
      ['d2', 'suspect'],
      ['d3', 'ended'],
    ])
  })

  it('R18: the alike threshold is an app policy; null always feeds ambiguous answers back as evidence', async () => {
    const port = scriptedPort('apns', () => badDeviceToken)
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port }, policy: { ios: { ambiguousAlikeThreshold: null } } })
    await threeDevices(feed)
    clock.set(h(2))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: users }, payload: {} })
    expect(report).toMatchObject({ suspect: 3, withheld: 0 })
    expect((await collect(registry.registrations('ios'))).every((r) => r.status === 'suspect')).toBe(true)
  })

  it('R18: the dispatcher reads the alike threshold from the app policy; its former option is refused, not ignored', () => {
    const port = scriptedPort('apns', () => badDeviceToken)
    expect(() => dispatchSetup({ providers: { ios: port }, dispatcher: { ambiguousAlikeThreshold: 5 } as never })).toThrow(/ambiguousAlikeThreshold is an app policy/)
  })

  it('R18, I10: ambiguous answers in a dispatch whose credential was rejected are not token evidence', async () => {
    const port = scriptedPort('apns', perToken(new Map([[A, [badDeviceToken]]]), { status: 403, reason: 'InvalidProviderToken' }))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port }, dispatcher: { concurrency: 3 } })
    await threeDevices(feed)
    clock.set(h(2))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: users }, payload: {} })
    expect(report).toMatchObject({ withheld: 1, suspect: 0, credentialsRejected: 2, credentialStop: { cause: 'credentials' } })
    expect((await collect(registry.registrations('ios'))).every((r) => r.active)).toBe(true)
  })
})
