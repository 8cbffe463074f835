import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { androidKey, apnsToken, bothKey, call, fcmToken, iosKey, request, session, setup, snapshot } from './support.js'

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
      late: 0,
    })
    expect(await collect(registry.registrations('android'))).toEqual([])
    expect((await collect(registry.registrations('ios'))).map((r) => r.deviceId)).toEqual(['d1'])
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
    expect(single.body).toEqual({ accepted: 0, rejected: [{ index: 0, issues: [expect.objectContaining({ path: 'input.appId', rule: 'R4' })] }], late: 0 })
    const batch = await call(handler, 'POST', '/v1/inputs', { key: iosKey, body: attacks })
    expect((batch.body as { rejected: { issues: { rule: string }[] }[] }).rejected.map((r) => r.issues[0]?.rule)).toEqual(['R4', 'R4', 'R4', 'R4'])
    expect(await snapshot(registry, ['charlie'])).toEqual(before)
  })

  it('R4: an app id is compared exactly, so a look-alike is not the allowed app', async () => {
    const { handler, registry } = setup()
    const answer = await call(handler, 'POST', '/v1/inputs', { key: iosKey, body: [session('IOS', 'd1', 'kim', apnsToken('a'))] })
    expect(answer.body).toMatchObject({ accepted: 0, rejected: [{ index: 0, issues: [{ rule: 'R4' }] }] })
    expect(await collect(registry.registrations())).toEqual([])
  })

  describe('reads', () => {
    const seeded = async () => {
      const context = setup()
      await call(context.handler, 'POST', '/v1/inputs', {
        key: bothKey,
        body: [session('ios', 'd1', 'kim', apnsToken('a')), session('android', 'p1', 'kim', fcmToken('k')), session('android', 'p2', 'lee', fcmToken('l'))],
      })
      return context
    }
    const tokensOf = (body: unknown): string[] => JSON.stringify(body).match(/fcm-[a-z]-|a{64}/g) ?? []

    it("I8: a profile read with app A's key shows A's devices and changelog, never B's", async () => {
      const { handler } = await seeded()
      const answer = await call(handler, 'GET', '/v1/users/kim/profile', { key: iosKey })
      const profile = answer.body as { devices: { appId: string }[]; changelog: { appId: string }[] }
      expect(answer.status).toBe(200)
      expect(profile.devices.map((d) => d.appId)).toEqual(['ios'])
      expect(profile.changelog.length).toBeGreaterThan(0)
      expect(profile.changelog.every((e) => e.appId === 'ios')).toBe(true)
      const both = (await call(handler, 'GET', '/v1/users/kim/profile', { key: bothKey })).body as { devices: { appId: string }[] }
      expect(both.devices.map((d) => d.appId).sort()).toEqual(['android', 'ios'])
    })

    it("I8: an export by ids with app A's key carries only A's tokens", async () => {
      const { handler } = await seeded()
      const answer = await call(handler, 'POST', '/v1/users/export/ids', { key: iosKey, body: { external_ids: ['kim', 'lee'] } })
      expect(tokensOf(answer.body)).toEqual([apnsToken('a')])
      const android = await call(handler, 'POST', '/v1/users/export/ids', { key: androidKey, body: { external_ids: ['kim'] } })
      expect(tokensOf(android.body)).toEqual(['fcm-k-'])
    })

    it("R4: a segment export naming app B with app A's key is a 403 naming the rule", async () => {
      const { handler } = await seeded()
      const answer = await call(handler, 'POST', '/v1/users/export/segment', { key: iosKey, body: { segment: 'foregroundPushEnabledForApp:android' } })
      expect(answer.status).toBe(403)
      expect(answer.body).toEqual({ error: { path: 'body.segment', rule: 'R4', message: expect.any(String) } })
    })

    it("I8: a cross-app segment exported with app A's key counts and shows only A's registrations", async () => {
      const { handler } = await seeded()
      const answer = await handler.fetch(request('POST', '/v1/users/export/segment', { key: iosKey, body: { segment: 'backgroundOrForegroundPushEnabled' } }))
      const lines = (await answer.text()).split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { external_id: string })
      // lee holds only an Android token: with the iOS key he is not in the segment at all.
      expect(lines.map((u) => u.external_id)).toEqual(['kim'])
      expect(tokensOf(lines)).toEqual([apnsToken('a')])
    })
  })
})
