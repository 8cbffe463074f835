import { describe, expect, it } from 'vitest'
import { apns, d, fcm, members, registrationOf, session, web } from '../harness.js'
import { perToken, scriptedPort } from './scripted-port.js'
import { dispatchSetup } from './support.js'

const A = apns('a1')
const B = apns('b2')
const C = apns('c3')

describe('uninstall tracking (R14)', () => {
  it('R14: probes tokens not seen since olderThan with a background push; a dead answer records uninstalled at its evidence time', async () => {
    const port = scriptedPort('apns', perToken(new Map([[A, [{ status: 410, reason: 'Unregistered', timestamp: Date.parse(d(39)) }]]])))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port } })
    await feed(
      session({ at: d(1), device: 'd1', user: 'u1', token: A }),
      session({ at: d(2), device: 'd2', user: 'u2', token: B, permission: 'denied' }),
      session({ at: d(35), device: 'd3', user: 'u3', token: C }),
    )
    clock.set(d(40))
    const report = await dispatcher.trackUninstalls({ appId: 'ios', olderThan: '30d' })
    expect(port.calls.map((c) => [c.token, c.kind]).sort()).toEqual([[A, 'background'], [B, 'background']].sort())
    expect(report).toMatchObject({ kind: 'background', targeted: 2, dead: 1, delivered: 1, uninstalled: 1 })
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ active: false, status: 'ended' })
    expect((await registry.changelog('u1')).at(-1)).toMatchObject({ kind: 'invalidated', reason: 'uninstalled', at: Date.parse(d(39)) })
    expect((await registry.exportUsers(['u1']))[0]).toMatchObject({ uninstalled_at: d(39) })
    expect(await members(registry, `uninstalled:${d(38)}/${d(40)}`)).toEqual(['u1'])
    expect((await registrationOf(registry, 'ios', 'd2')).active).toBe(true)
  })

  it('R17: a dead answer whose evidence predates the last report records no uninstall', async () => {
    const port = scriptedPort('apns', () => ({ status: 410, reason: 'Unregistered', timestamp: Date.parse(d(0)) }))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { ios: port } })
    await feed(session({ at: d(1), device: 'd1', user: 'u1', token: A }))
    clock.set(d(40))
    const report = await dispatcher.trackUninstalls({ appId: 'ios', olderThan: 30 * 86_400_000 })
    expect(report).toMatchObject({ dead: 1, uninstalled: 0 })
    expect((await registrationOf(registry, 'ios', 'd1')).active).toBe(true)
    expect((await registry.changelog('u1')).map((e) => e.kind)).toEqual(['registered'])
  })

  it('R14: an FCM UNREGISTERED records the uninstall at the answer time', async () => {
    const port = scriptedPort('fcm', () => ({ status: 404, reason: 'UNREGISTERED' }))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { android: port } })
    await feed(session({ at: d(1), app: 'android', device: 'd1', user: 'u1', token: fcm('x'), os: '14' }))
    clock.set(d(40))
    expect(await dispatcher.trackUninstalls({ appId: 'android', olderThan: '7d' })).toMatchObject({ uninstalled: 1 })
    expect((await registry.exportUsers(['u1']))[0]).toMatchObject({ push_tokens: [], uninstalled_at: d(40) })
  })

  it('R5: web has no background push, so web tokens are never probed', async () => {
    const port = scriptedPort('webpush', () => ({ status: 410 }))
    const { dispatcher, feed, clock } = dispatchSetup({ providers: { web: port } })
    await feed(session({ at: d(1), app: 'web', device: 'd1', user: 'u1', token: web('w') }))
    clock.set(d(40))
    expect(await dispatcher.trackUninstalls({ appId: 'web', olderThan: '1d' })).toMatchObject({ targeted: 0, uninstalled: 0 })
    expect(port.calls).toEqual([])
  })

  it('rejects a duration it cannot read', async () => {
    const { dispatcher } = dispatchSetup({ providers: { ios: scriptedPort('apns', () => ({ status: 200 })) } })
    await expect(dispatcher.trackUninstalls({ appId: 'ios', olderThan: 'a while' })).rejects.toMatchObject({ code: 'bad_request' })
  })
})
