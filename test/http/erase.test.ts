import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { androidKey, apnsToken, call, fcmToken, iosKey, session, setup } from './support.js'

describe('DELETE /v1/users/{id} (issue 12 item 6)', () => {
  it('erases the user from every app, answers 200, then 404: the user is unknown from then on', async () => {
    const { registry, handler } = setup()
    await registry.ingest([session('ios', 'i1', 'kim', apnsToken('a')), session('android', 'a1', 'kim', fcmToken('b')), session('ios', 'i2', 'léa', apnsToken('c'))])
    const first = await call(handler, 'DELETE', '/v1/users/kim', { key: iosKey })
    expect(first).toMatchObject({ status: 200, body: { external_id: 'kim', erased: true } })
    expect(await registry.profile('kim')).toBeNull()
    expect((await collect(registry.targets({ appId: 'android', kind: 'alert' }))).map((t) => t.deviceId)).toEqual([])
    expect((await collect(registry.targets({ appId: 'ios', kind: 'alert' }))).map((t) => t.deviceId)).toEqual(['i2'])
    const again = await call(handler, 'DELETE', '/v1/users/kim', { key: androidKey })
    expect(again).toMatchObject({ status: 404, body: { error: { path: 'userId', rule: 'R25' } } })
    expect((await call(handler, 'GET', '/v1/users/kim/profile')).status).toBe(404)
  })

  it('needs a key, and user ids with reserved characters are path segments like any other', async () => {
    const { registry, handler } = setup()
    await registry.ingest(session('ios', 'i1', 'léa:2/x', apnsToken('a')))
    expect((await call(handler, 'DELETE', '/v1/users/l%C3%A9a%3A2%2Fx', { key: null })).status).toBe(401)
    expect(await registry.profile('léa:2/x')).not.toBeNull()
    expect((await call(handler, 'DELETE', '/v1/users/l%C3%A9a%3A2%2Fx')).status).toBe(200)
    expect(await registry.profile('léa:2/x')).toBeNull()
  })
})
