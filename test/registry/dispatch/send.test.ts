import { describe, expect, it } from 'vitest'
import { collect, DispatchConfigError, DispatchError } from 'push-registry'
import { apns, d, fcm, h, registrationOf, session, subscriptionSet, tokenReport, web } from '../harness.js'
import { perToken, scriptedPort } from './scripted-port.js'
import { dispatchSetup, outcomeSum } from './support.js'

const A = apns('a1')
const B = apns('b2')
const C = apns('c3')
const D = apns('d4')

const alert = (audience: { userIds: string[] } | { segment: string }) => ({ appId: 'ios', kind: 'alert' as const, audience, payload: { aps: { alert: 'hi' } } })

describe('targets of a send (R27)', () => {
  it('R27: an alert goes to subscribed or opted-in owners of foreground or provisional tokens, within the audience', async () => {
    const port = scriptedPort('apns', () => ({ status: 200 }))
    const { dispatcher, feed } = dispatchSetup({ providers: { ios: port } })
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      session({ at: h(1), device: 'd2', user: 'u2', token: B, permission: 'denied' }),
      session({ at: h(1), device: 'd3', user: 'u3', token: C }),
      subscriptionSet({ at: h(2), user: 'u3', state: 'unsubscribed' }),
      session({ at: h(1), device: 'd4', user: 'u4', token: D, permission: 'provisional' }),
      session({ at: h(1), device: 'd5', token: apns('e5') }),
    )
    const report = await dispatcher.send(alert({ userIds: ['u1', 'u2', 'u3', 'u4', 'nobody'] }))
    expect(port.calls.map((c) => c.token).sort()).toEqual([A, D].sort())
    expect(report).toMatchObject({ targeted: 2, sent: 2, delivered: 2 })
  })

  it('R27: a send may override the eligibility, and a background push needs only an active token', async () => {
    const port = scriptedPort('apns', () => ({ status: 200 }))
    const { dispatcher, feed } = dispatchSetup({ providers: { ios: port } })
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      session({ at: h(1), device: 'd2', user: 'u2', token: B, permission: 'denied' }),
      subscriptionSet({ at: h(2), user: 'u1', state: 'unsubscribed' }),
    )
    await dispatcher.send({ ...alert({ userIds: ['u1', 'u2'] }), eligibility: { states: ['unsubscribed'], capabilities: ['foreground'] } })
    expect(port.calls.map((c) => c.token)).toEqual([A])
    await dispatcher.send({ ...alert({ userIds: ['u1', 'u2'] }), kind: 'background' })
    expect(port.calls.slice(1).map((c) => c.token).sort()).toEqual([A, B].sort())
    expect(port.calls.slice(1).every((c) => c.kind === 'background')).toBe(true)
  })

  it('R21: a segment audience sends to its users only; anonymous devices belong to no audience', async () => {
    const port = scriptedPort('apns', () => ({ status: 200 }))
    const { dispatcher, feed } = dispatchSetup({ providers: { ios: port, android: scriptedPort('fcm', () => ({ status: 200 })) } })
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      session({ at: h(1), device: 'd2', token: B }),
      session({ at: h(1), app: 'android', device: 'a1', user: 'u2', token: fcm('x'), os: '14' }),
    )
    const report = await dispatcher.send(alert({ segment: 'foregroundPushEnabledForApp:ios' }))
    expect(port.calls.map((c) => c.token)).toEqual([A])
    expect(report.targeted).toBe(1)
  })

  it('R10: a device shared by two users of the audience gets the push once', async () => {
    const port = scriptedPort('apns', () => ({ status: 200 }))
    const { dispatcher, feed } = dispatchSetup({ providers: { ios: port }, policy: { ios: { ownership: 'shared' } } })
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: A }),
      session({ at: h(2), device: 'd1', user: 'u2', token: A }),
    )
    await dispatcher.send(alert({ userIds: ['u1', 'u2'] }))
    expect(port.calls).toHaveLength(1)
  })

  it('S4: an APNs token is sent with its environment, and every push names its dispatch', async () => {
    const port = scriptedPort('apns', () => ({ status: 200 }))
    const { dispatcher, feed } = dispatchSetup({ providers: { ios: port } })
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A, env: 'sandbox' }))
    await dispatcher.send({ ...alert({ userIds: ['u1'] }), dispatchId: 'promo-1', collapseId: 'c', expiresAt: Date.parse(d(3)) })
    expect(port.calls[0]).toMatchObject({ appId: 'ios', token: A, environment: 'sandbox', dispatchId: 'promo-1', collapseId: 'c', expiresAt: Date.parse(d(3)) })
  })
})

describe('answers fed back (R15, R16, R17, I10)', () => {
  it('R16: a dead answer invalidates the token through the registry', async () => {
    const port = scriptedPort('apns', perToken(new Map([[A, [{ status: 410, reason: 'ExpiredToken' }]]])))
    const { dispatcher, feed, clock, registry } = dispatchSetup({ providers: { ios: port } })
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }), session({ at: h(1), device: 'd2', user: 'u2', token: B }))
    clock.set(h(2))
    const report = await dispatcher.send(alert({ userIds: ['u1', 'u2'] }))
    expect(report).toMatchObject({ dead: 1, delivered: 1 })
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ active: false, status: 'ended' })
    expect((await registry.changelog('u1')).at(-1)).toMatchObject({ kind: 'invalidated', reason: 'dead' })
    expect((await registrationOf(registry, 'ios', 'd2')).active).toBe(true)
  })

  it('R17: a 410 whose timestamp is older than the re-registration keeps the token', async () => {
    const stale = { status: 410, reason: 'Unregistered', timestamp: Date.parse(h(1)) }
    const port = scriptedPort('apns', perToken(new Map([[A, [stale]]])))
    const { dispatcher, feed, clock, registry } = dispatchSetup({ providers: { ios: port } })
    await feed(session({ at: h(0), device: 'd1', user: 'u1', token: A }), tokenReport({ at: h(2), device: 'd1', token: A }))
    clock.set(h(3))
    const report = await dispatcher.send(alert({ userIds: ['u1'] }))
    expect(report.dead).toBe(1)
    expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
  })

  it('I10: payload and credentials answers invalidate nothing, however many', async () => {
    const tokens = Array.from({ length: 6 }, (_, i) => apns(`a${i}`))
    const payloadPort = scriptedPort('apns', () => ({ status: 400, reason: 'BadTopic' }))
    const first = dispatchSetup({ providers: { ios: payloadPort } })
    await first.feed(...tokens.map((token, i) => session({ at: h(1), device: `d${i}`, user: `u${i}`, token })))
    const users = tokens.map((_, i) => `u${i}`)
    for (let round = 0; round < 3; round++) {
      const report = await first.dispatcher.send(alert({ userIds: users }))
      expect(report.payloadRejected).toBe(6)
    }
    expect((await collect(first.registry.registrations('ios'))).every((r) => r.active)).toBe(true)

    const credentialsPort = scriptedPort('apns', () => ({ status: 403, reason: 'InvalidProviderToken' }))
    const second = dispatchSetup({ providers: { ios: credentialsPort }, dispatcher: { concurrency: 1 } })
    await second.feed(...tokens.map((token, i) => session({ at: h(1), device: `d${i}`, user: `u${i}`, token })))
    for (let round = 0; round < 3; round++) await second.dispatcher.send(alert({ userIds: users }))
    expect((await collect(second.registry.registrations('ios'))).every((r) => r.active)).toBe(true)
  })

  it('R16: a credentials answer stops the rest of the dispatch; the unsent are counted credentialsStopped', async () => {
    const port = scriptedPort('fcm', () => ({ status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' }))
    const { dispatcher, feed, registry } = dispatchSetup({ providers: { android: port }, dispatcher: { concurrency: 2 } })
    await feed(...Array.from({ length: 10 }, (_, i) => session({ at: h(1), app: 'android', device: `d${i}`, user: `u${i}`, token: fcm(`t${i}`), os: '14' })))
    const stops: unknown[] = []
    dispatcher.on('dispatch.credentials_stopped', (e) => stops.push(e))
    const report = await dispatcher.send({ appId: 'android', kind: 'alert', audience: { userIds: Array.from({ length: 10 }, (_, i) => `u${i}`) }, payload: {} })
    // The two sends in flight when the first answer came back finish; nothing else is sent.
    expect(port.calls).toHaveLength(2)
    expect(report).toMatchObject({ targeted: 10, sent: 2, credentialsRejected: 2, credentialsStopped: 8 })
    expect(report.credentialStop).toEqual({ cause: 'credentials', status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' })
    expect(stops).toEqual([{ dispatchId: 'dispatch-1', appId: 'android', provider: 'fcm', cause: 'credentials', status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' }])
    expect((await collect(registry.registrations('android'))).every((r) => r.active)).toBe(true)
    expect(outcomeSum(report)).toBe(report.targeted)
  })

  it('§4: an ExpiredProviderToken that reaches the dispatcher has not healed in the port: it stops the credential at once, never re-sent', async () => {
    const broken = scriptedPort('apns', () => ({ status: 403, reason: 'ExpiredProviderToken' }))
    const setup = dispatchSetup({ providers: { ios: broken }, dispatcher: { concurrency: 1 } })
    await setup.feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }), session({ at: h(1), device: 'd2', user: 'u2', token: B }))
    const report = await setup.dispatcher.send(alert({ userIds: ['u1', 'u2'] }))
    // The adapter already minted a new JWT and retried once (adapters/apns); one call here.
    expect(broken.calls).toHaveLength(1)
    expect(report).toMatchObject({ retries: 0, credentialsRejected: 1, credentialsStopped: 1, credentialStop: { cause: 'credentials', reason: 'ExpiredProviderToken' } })
    expect((await collect(setup.registry.registrations('ios'))).every((r) => r.active)).toBe(true)
  })

  it('R15: the report counts every outcome once, and a web send is classified as Web Push', async () => {
    const w = [web('w0'), web('w1'), web('w2'), web('w3'), web('w4')]
    const table = new Map([
      [w[0]!.endpoint, [{ status: 410 }]],
      [w[1]!.endpoint, [{ status: 413 }]],
      [w[2]!.endpoint, [{ status: 503 }, { status: 201 }]],
      [w[3]!.endpoint, [{ status: 429, retryAfterSeconds: 1 }]],
    ])
    const port = scriptedPort('webpush', perToken(table, { status: 201 }))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { web: port }, dispatcher: { retry: { maxAttempts: 2 } } })
    await feed(...w.map((token, i) => session({ at: h(1), app: 'web', device: `d${i}`, user: `u${i}`, token })))
    clock.set(h(2))
    const report = await dispatcher.send({ appId: 'web', kind: 'alert', audience: { userIds: ['u0', 'u1', 'u2', 'u3', 'u4'] }, payload: 'hello' })
    expect(report).toMatchObject({ targeted: 5, sent: 5, delivered: 2, dead: 1, payloadRejected: 1, transientFailed: 1, retries: 2 })
    expect(report.answers).toEqual({ delivered: 2, dead: 1, ambiguous: 0, credentials: 0, payload: 1, transient: 3 })
    expect(outcomeSum(report)).toBe(5)
    expect((await collect(registry.registrations('web'))).filter((r) => !r.active).map((r) => r.deviceId)).toEqual(['d0'])
  })
})

describe('requests that cannot be sent', () => {
  it('rejects an unknown app, an app without a port and a bad segment with a typed error', async () => {
    const { dispatcher } = dispatchSetup({ providers: { ios: scriptedPort('apns', () => ({ status: 200 })) } })
    await expect(dispatcher.send({ ...alert({ userIds: [] }), appId: 'nope' })).rejects.toMatchObject({ name: 'DispatchError', code: 'unknown_app' })
    await expect(dispatcher.send({ ...alert({ userIds: [] }), appId: 'android' })).rejects.toMatchObject({ code: 'no_provider' })
    await expect(dispatcher.send(alert({ segment: 'pushSubscription:maybe' }))).rejects.toBeInstanceOf(DispatchError)
    await expect(dispatcher.send({ ...alert({ userIds: [] }), dispatchId: '' })).rejects.toMatchObject({ code: 'bad_request' })
  })

  it('refuses a port of another provider than the app delivers through', () => {
    expect(() => dispatchSetup({ providers: { ios: scriptedPort('fcm', () => ({ status: 200 })) } })).toThrow(DispatchConfigError)
    expect(() => dispatchSetup({ providers: { ios: scriptedPort('apns', () => ({ status: 200 })) }, dispatcher: { concurrency: 0 } })).toThrow(/concurrency/)
  })
})
