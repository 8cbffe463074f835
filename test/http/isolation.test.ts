import { describe, expect, it } from 'vitest'
import { androidKey, apnsToken, call, fcmToken, iosKey, session, setup, snapshot } from './support.js'

describe('per-app API keys (R4, I8)', () => {
  it('R4: inputs for an app the key may not use are rejected at their index and not applied; the others are', async () => {
    const { handler, registry } = setup()
    const answer = await call(handler, 'POST', '/v1/inputs', {
      key: iosKey,
      body: [
        session('android', 'p1', 'charlie', fcmToken('c')),
        session('ios', 'd1', 'kim', apnsToken('a')),
        { ...session('ios', 'd2', 'kim', apnsToken('b')), deviceId: '' },
        { type: 'subscription_set', at: '2026-01-01T03:00:00Z', userId: 'charlie', state: 'unsubscribed' },
      ],
    })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      accepted: 2,
      rejected: [
        { index: 0, issues: [{ path: 'inputs[0].appId', rule: 'R4', message: expect.any(String) }] },
        { index: 2, issues: [expect.objectContaining({ path: 'inputs[2].deviceId', rule: 'S3' })] },
      ],
    })
    expect(await registry.registrations('android')).toEqual([])
    expect((await registry.registrations('ios')).map((r) => r.deviceId)).toEqual(['d1'])
  })

  it('I8: a key for app A cannot change any record of app B, whatever it sends', async () => {
    const { handler, registry } = setup()
    await call(handler, 'POST', '/v1/inputs', { key: androidKey, body: [session('android', 'p1', 'charlie', fcmToken('c'))] })
    const before = await snapshot(registry, ['charlie'])
    const attacks = [
      session('android', 'p1', 'mallory', fcmToken('c')),
      { type: 'uninstalled', at: '2026-01-02T00:00:00Z', appId: 'android', deviceId: 'p1' },
      { type: 'logged_out', at: '2026-01-02T00:00:00Z', appId: 'android', deviceId: 'p1' },
      { type: 'provider_answer', at: '2026-01-02T00:00:00Z', appId: 'android', token: fcmToken('c'), provider: 'fcm', status: 404, reason: 'UNREGISTERED', dispatchId: 'x' },
    ]
    const single = await call(handler, 'POST', '/v1/inputs', { key: iosKey, body: attacks[0] })
    expect(single.body).toEqual({ accepted: 0, rejected: [{ index: 0, issues: [expect.objectContaining({ path: 'input.appId', rule: 'R4' })] }] })
    const batch = await call(handler, 'POST', '/v1/inputs', { key: iosKey, body: attacks })
    expect((batch.body as { rejected: { issues: { rule: string }[] }[] }).rejected.map((r) => r.issues[0]?.rule)).toEqual(['R4', 'R4', 'R4', 'R4'])
    expect(await snapshot(registry, ['charlie'])).toEqual(before)
  })

  it('R4: an app id is compared exactly, so a look-alike is not the allowed app', async () => {
    const { handler, registry } = setup()
    const answer = await call(handler, 'POST', '/v1/inputs', { key: iosKey, body: [session('IOS', 'd1', 'kim', apnsToken('a'))] })
    expect(answer.body).toMatchObject({ accepted: 0, rejected: [{ index: 0, issues: [{ rule: 'R4' }] }] })
    expect(await registry.registrations()).toEqual([])
  })
})
