import { describe, expect, it } from 'vitest'
import { collect, createRegistry, RegistryConfigError } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { allApps, apns, h, login, session, setup, tokenReport } from './harness.js'

const A = apns('a1')
const snapshot = async (registry: ReturnType<typeof setup>['registry']) => ({
  registrations: await collect(registry.registrations()),
  u1: await registry.profile('u1'),
  changelog: await registry.changelog('u1'),
})

describe('ingest reports (S3, I11)', () => {
  it('S3: a rejection names the input index, the field path and the rule', async () => {
    const { registry } = setup()
    const report = await registry.ingest([
      session({ at: h(1), device: 'd1', token: A }),
      session({ at: h(1), device: 'd2', token: A }),
      session({ at: h(1), app: 'web', device: 'b1', token: { endpoint: 'http://fcm.googleapis.com/x', keys: { p256dh: 'p', auth: 'a' } } }),
    ])
    expect(report.accepted).toBe(2)
    expect(report.rejected).toEqual([{ index: 2, issues: [expect.objectContaining({ path: 'inputs[2].token.endpoint', rule: 'S1' })] }])
  })

  it('S3: every rejection has a non-empty path and a rule id', async () => {
    const { registry } = setup()
    const report = await registry.ingest([null, 7, {}, { type: 'session_started' }, session({ at: 'yesterday', device: '' }), session({ at: h(1), app: 'nope', device: 'd1' })])
    expect(report.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5])
    for (const r of report.rejected) {
      expect(r.issues.length).toBeGreaterThan(0)
      for (const issue of r.issues) {
        expect(issue.path.startsWith(`inputs[${r.index}]`)).toBe(true)
        expect(issue.rule).toMatch(/^[RSDI]\d+$/)
        expect(issue.message.length).toBeGreaterThan(0)
      }
    }
  })

  it('S3: a single input is reported at path input', async () => {
    const { registry } = setup()
    const report = await registry.ingest(session({ at: h(1), app: 'nope', device: 'd1' }))
    expect(report.rejected).toEqual([{ index: 0, issues: [{ path: 'input.appId', rule: 'S3', message: expect.any(String) }] }])
  })

  it('I11: a rejected input changes nothing; the other inputs of the batch are applied', async () => {
    const good = [session({ at: h(1), device: 'd1', user: 'u1', token: A }), login({ at: h(2), device: 'd1', user: 'u1' })]
    const bad = [
      login({ at: h(3), device: 'd1', user: '' }),
      session({ at: h(4), device: 'd1', token: 'not-hex' }),
      tokenReport({ at: 'soon', device: 'd1', token: apns('b2') }),
    ]
    const withBad = setup()
    const report = await withBad.registry.ingest([good[0], bad[0], good[1], bad[1], bad[2]])
    expect(report.accepted).toBe(2)
    expect(report.rejected.map((r) => r.index)).toEqual([1, 3, 4])
    const without = setup()
    await without.feed(...good)
    expect(await snapshot(withBad.registry)).toEqual(await snapshot(without.registry))
  })

  it('S3: a batch over maxBatchSize is refused as a whole and changes nothing', async () => {
    const registry = createRegistry({ apps: allApps as never, storage: createMemoryStorage(), limits: { maxBatchSize: 2 } })
    const report = await registry.ingest([session({ at: h(1), device: 'd1', token: A }), session({ at: h(1), device: 'd2' }), session({ at: h(1), device: 'd3' })])
    expect(report).toEqual({ accepted: 0, rejected: [], late: 0, refused: { path: 'inputs', rule: 'S3', message: expect.any(String) } })
    expect(await collect(registry.registrations())).toEqual([])
  })

  it('S3: the default batch limit is 10,000 inputs', async () => {
    const { registry } = setup()
    const report = await registry.ingest(Array.from({ length: 10_001 }, () => null))
    expect(report.refused?.rule).toBe('S3')
  })

  it('I9: ingesting the same input twice is accepted twice and applied once', async () => {
    const { registry, feed } = setup()
    const input = session({ at: h(1), device: 'd1', user: 'u1', token: A })
    const report = await feed(input, input)
    expect(report.accepted).toBe(2)
    await feed(input)
    expect((await registry.changelog('u1')).map((e) => e.kind)).toEqual(['registered'])
  })

  it('S3, I11: input.rejected is emitted for each rejected input', async () => {
    const { registry } = setup()
    const seen: number[] = []
    registry.on('input.rejected', (e) => seen.push(e.index))
    await registry.ingest([session({ at: h(1), device: 'd1' }), null, {}])
    expect(seen).toEqual([1, 2])
  })
})

describe('events (S2)', () => {
  it('S2: token.transferred fires after ingest with a redacted token (first 6 and last 4)', async () => {
    const { registry, feed } = setup()
    const events: unknown[] = []
    const owners: (string | null)[] = []
    registry.on('token.transferred', (e) => {
      events.push(e)
    })
    await feed(session({ at: h(1), device: 'phone', user: 'charlie', token: A }))
    expect(events).toEqual([])
    await feed(login({ at: h(2), device: 'phone', user: 'kim' }))
    owners.push(...(await collect(registry.registrations())).map((r) => r.owner))
    expect(events).toEqual([{ appId: 'ios', deviceId: 'phone', owner: 'kim', token: `${A.slice(0, 6)}…${A.slice(-4)}`, from: 'charlie', to: 'kim' }])
    expect(JSON.stringify(events)).not.toContain(A)
    expect(owners).toEqual(['kim'])
  })

  it('S2: no event payload carries a whole token', async () => {
    const { registry, feed } = setup()
    const payloads: unknown[] = []
    for (const name of ['token.registered', 'token.rotated', 'token.transferred', 'token.invalidated', 'token.quarantined'] as const) {
      registry.on(name, (e: unknown) => payloads.push(e))
    }
    const B = apns('b2')
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A }))
    await feed(session({ at: h(2), device: 'd1', user: 'u1', token: B }))
    await feed(login({ at: h(3), device: 'd1', user: 'u2' }))
    await feed({ type: 'provider_answer', at: h(4), appId: 'ios', token: B, provider: 'apns', status: 400, reason: 'BadDeviceToken', dispatchId: 'x' })
    await feed(session({ at: h(5), device: 'd1', token: B }))
    await feed({ type: 'uninstalled', at: h(6), appId: 'ios', deviceId: 'd1' })
    expect(payloads.length).toBeGreaterThanOrEqual(6)
    const text = JSON.stringify(payloads)
    expect(text).not.toContain(A)
    expect(text).not.toContain(B)
  })

  it('R5, R6: token.capability_changed fires when a report withdraws or grants permission on the same token', async () => {
    const { registry, feed } = setup()
    const changes: unknown[] = []
    registry.on('token.capability_changed', (e) => {
      changes.push(e)
    })
    await feed(session({ at: h(1), device: 'd1', user: 'u1', token: A, permission: 'denied' }))
    await feed(tokenReport({ at: h(2), device: 'd1', token: A, permission: 'granted' }))
    await feed(tokenReport({ at: h(3), device: 'd1', token: A, permission: 'granted' }))
    expect(changes).toEqual([
      { appId: 'ios', deviceId: 'd1', owner: 'u1', token: `${A.slice(0, 6)}…${A.slice(-4)}`, from: 'background', to: 'foreground' },
    ])
  })

  it('the unsubscribe function returned by on() stops the listener', async () => {
    const { registry, feed } = setup()
    let calls = 0
    const off = registry.on('token.registered', () => {
      calls++
    })
    await feed(session({ at: h(1), device: 'd1', token: A }))
    off()
    await feed(session({ at: h(1), device: 'd2', token: apns('b2') }))
    expect(calls).toBe(1)
  })

  it('I11: nothing but input.rejected is emitted for a rejected input', async () => {
    const { registry } = setup()
    const names: string[] = []
    for (const name of ['token.registered', 'token.transferred', 'subscription.changed', 'input.rejected'] as const) {
      registry.on(name, () => names.push(name))
    }
    await registry.ingest(session({ at: h(1), device: 'd1', user: 'u1', token: 'zz' }))
    expect(names).toEqual(['input.rejected'])
  })
})

describe('RegistryConfigError (R4, S3)', () => {
  const storage = createMemoryStorage()
  const create = (options: Record<string, unknown>) => () => createRegistry({ storage, apps: allApps as never, ...options } as never)

  it('R4: a registry needs at least one app', () => {
    expect(create({ apps: [] })).toThrow(RegistryConfigError)
  })
  it('R4: an appId may be configured once only', () => {
    expect(create({ apps: [allApps[0], allApps[0]] })).toThrow(/apps\[1\]\.appId/)
  })
  it('S3: an unknown policy key is refused, not ignored', () => {
    expect(create({ policy: { ios: { expireAfterDays: 3 } } })).toThrow(RegistryConfigError)
  })
  it('R4: a policy for an app that is not configured is refused', () => {
    expect(create({ policy: { nope: {} } })).toThrow(RegistryConfigError)
  })
  it('R19: a bad duration is refused', () => {
    expect(create({ policy: { ios: { staleAfter: '3 fortnights' } } })).toThrow(RegistryConfigError)
    expect(create({ policy: { ios: { expireAfter: -5 } } })).toThrow(RegistryConfigError)
  })
  it('R19: durations may be written as "30d" or ISO-8601', () => {
    const registry = createRegistry({ storage, apps: allApps as never, policy: { ios: { staleAfter: '7d', expireAfter: 'P90D' } as never } })
    expect(registry.apps.find((a) => a.appId === 'ios')?.policy.staleness).toEqual({ staleAfter: 7 * 86_400_000, expireAfter: 90 * 86_400_000 })
  })
  it('RegistryConfigError lists every issue with its path and rule', () => {
    try {
      createRegistry({ storage, apps: [allApps[0], allApps[0]] as never, policy: { ios: { ownership: 'both' } } as never })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(RegistryConfigError)
      expect((error as RegistryConfigError).issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['apps[1].appId R4', 'policy.ios.ownership R10'])
    }
  })
})
