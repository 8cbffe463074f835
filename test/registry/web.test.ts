import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { apns, h, registrationOf, session, setup, tokenReport, web } from './harness.js'

describe('web registrations (R5, D5, S1)', () => {
  it('R5, D5: a web registration without permission is rejected and changes nothing (I11)', async () => {
    const { registry } = setup()
    const report = await registry.ingest(session({ at: h(1), app: 'web', device: 'b1', token: web('s1'), permission: 'denied' }))
    expect(report.rejected).toEqual([{ index: 0, issues: [expect.objectContaining({ path: 'input.permission', rule: 'D5' })] }])
    expect(await collect(registry.registrations())).toEqual([])
  })

  it('S1: a subscription pointing at an unknown host is rejected at registration', async () => {
    const { registry } = setup()
    const report = await registry.ingest([session({ at: h(1), app: 'web', device: 'b1', token: web('s1', 'attacker.example') })])
    expect(report.rejected.map((r) => r.issues.map((i) => `${i.path} ${i.rule}`))).toEqual([['inputs[0].token.endpoint S1']])
  })

  it('D5: a web report with no token and denied ends the device’s token (permission revoked)', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), app: 'web', device: 'b1', user: 'u1', token: web('s1') }), tokenReport({ at: h(2), app: 'web', device: 'b1', permission: 'denied' }))
    expect(await registrationOf(registry, 'web', 'b1')).toMatchObject({ active: false, status: 'ended' })
    expect((await registry.changelog('u1')).at(-1)).toMatchObject({ kind: 'invalidated' })
  })

  it('D5: any other report without a token leaves the current token as it is', async () => {
    const { registry, feed } = setup()
    await feed(
      session({ at: h(1), app: 'web', device: 'b1', token: web('s1') }),
      tokenReport({ at: h(2), app: 'web', device: 'b1', permission: 'not_determined' }),
      session({ at: h(1), device: 'd1', token: apns('a1') }),
      session({ at: h(2), device: 'd1', permission: 'granted' }),
      tokenReport({ at: h(3), device: 'd1', permission: 'denied' }),
    )
    expect((await registrationOf(registry, 'web', 'b1')).active).toBe(true)
    expect(await registrationOf(registry, 'ios', 'd1')).toMatchObject({ active: true, token: apns('a1') })
  })

  it('R1: a subscription re-sent with new keys for the same endpoint is the same token', async () => {
    const { registry, feed } = setup()
    const renewed = { ...web('s1'), keys: { p256dh: 'new-p', auth: 'new-a' } }
    await feed(session({ at: h(1), app: 'web', device: 'b1', user: 'u1', token: web('s1') }), session({ at: h(2), app: 'web', device: 'b1', user: 'u1', token: renewed }))
    expect((await registry.changelog('u1')).map((e) => e.kind)).toEqual(['registered'])
    expect((await collect(registry.targets({ appId: 'web', kind: 'alert' }))).map((t) => t.token)).toEqual([renewed])
  })
})
