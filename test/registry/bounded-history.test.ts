import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { StoragePort } from 'push-registry'
import { collect, createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { lastWriterWins, takeSnapshot } from '../../src/testing/snapshot.js'
import { kitApps, kitExactHistory, kitHexTokens, kitUsers } from '../../src/testing/universe.js'
import { allRecords } from '../../src/testing/sample-records.js'
import { occurrencesKept } from '../../src/domain/repeats.js'
import { apns, at, d, day, login, minute, prompt, session, setup, uninstall } from './harness.js'

const rowOf = async (storage: StoragePort, appId: string, deviceId: string): Promise<number> => {
  const [stored] = await storage.read([{ kind: 'registration', appId: appId as never, deviceId: deviceId as never }])
  return JSON.stringify(stored?.record).length
}

const ingestAll = async (registry: ReturnType<typeof createRegistry>, inputs: readonly unknown[]) => {
  let late = 0
  for (let i = 0; i < inputs.length; i += 1000) {
    const report = await registry.ingest(inputs.slice(i, i + 1000))
    expect(report.rejected).toEqual([])
    late += report.late
  }
  return late
}

/**
 * A device's long life: mostly repeated sessions, now and then a rotation, a login, a
 * permission change, a prompt or an uninstall, over `span` milliseconds.
 */
const history = (deviceId: string, count: number, span: number, seed: number): unknown[] => {
  // Each device its own tokens: R3 moves between devices are covered elsewhere.
  const tokens = deviceId === 'phone-1' ? kitHexTokens : ['d4', 'e5', 'f6'].map(apns)
  const random = fc.sample(fc.array(fc.noBias(fc.nat(999)), { minLength: count, maxLength: count }), { numRuns: 1, seed })[0] as number[]
  let token = tokens[0] as string
  let permission: 'granted' | 'denied' = 'granted'
  const t0 = Date.parse('2024-01-01T00:00:00.000Z')
  return random.map((r, i) => {
    const when = new Date(t0 + Math.floor((i * span) / count)).toISOString()
    const base = { appId: 'ios', deviceId, at: when }
    if (r < 5) token = tokens[(tokens.indexOf(token) + 1) % tokens.length] as string
    if (r >= 5 && r < 8) return { type: 'user_changed', ...base, userId: kitUsers[r % kitUsers.length] }
    if (r >= 8 && r < 10) permission = permission === 'granted' ? 'denied' : 'granted'
    if (r === 10) return { type: 'uninstalled', ...base }
    if (r === 11) return { type: 'prompt_answered', ...base, result: 'granted' }
    return { type: 'session_started', ...base, token, permission }
  })
}

const shuffled = <A>(items: readonly A[], seed: number): A[] =>
  fc.sample(fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length }), { numRuns: 1, seed })[0] as A[]

const kitClock = fixedClock(Date.parse('2027-01-01T00:00:00.000Z'))

describe('bounded history (D14)', () => {
  it(`D14: thousands of identical sessions within a day stop growing the registration row at ${occurrencesKept} occurrences`, async () => {
    const storage = createMemoryStorage()
    const registry = createRegistry({ apps: kitApps, storage, clock: kitClock })
    const sessions = Array.from({ length: 5000 }, (_, i) =>
      session({ at: at(i * 10_000), app: 'ios', device: 'phone-1', user: 'charlie', token: kitHexTokens[0] as string }),
    )
    await ingestAll(registry, sessions.slice(0, 2000))
    const row = await rowOf(storage, 'ios', 'phone-1')
    await ingestAll(registry, sessions.slice(2000))
    // Each repeat inside the window costs its gap (a few bytes), up to the bound; beyond it only
    // the gap from the first occurrence to the oldest kept one grows (by its digits).
    expect(await rowOf(storage, 'ios', 'phone-1')).toBeLessThanOrEqual(row + 4)
    expect(row).toBeLessThan(8 * 1024)
    const [summary] = await collect(registry.registrations('ios'))
    expect(summary).toMatchObject({ owner: 'charlie', active: true })
  })

  it('D14: years of sessions keep the registration row small', async () => {
    const storage = createMemoryStorage()
    const registry = createRegistry({ apps: kitApps, storage, clock: kitClock })
    const inputs = history('phone-1', 4000, 3 * 365 * day, 7)
    await ingestAll(registry, inputs)
    expect(await rowOf(storage, 'ios', 'phone-1')).toBeLessThan(4096)
  })

  it('D14: a long history fed in any order gives the in-order last-writer-wins answers', async () => {
    const inputs = [...history('phone-1', 1500, 2 * 365 * day, 1), ...history('phone-2', 1500, 2 * 365 * day, 2)]
    const inOrder = createRegistry({ apps: kitApps, storage: createMemoryStorage(), clock: kitClock })
    expect(await ingestAll(inOrder, inputs)).toBe(0)
    const expected = lastWriterWins(await takeSnapshot(inOrder))
    for (const seed of [11, 12]) {
      const registry = createRegistry({ apps: kitApps, storage: createMemoryStorage(), clock: kitClock })
      expect(await ingestAll(registry, shuffled(inputs, seed))).toBeGreaterThan(0)
      expect(lastWriterWins(await takeSnapshot(registry))).toEqual(expected)
    }
  })

  it('D14, I9: a long history inside the window, in any order, gives the same answers, changelogs included', async () => {
    const inputs = [...history('phone-1', 1500, 20 * day, 3), ...history('phone-2', 1500, 20 * day, 4)]
    const inOrder = createRegistry({ apps: kitApps, storage: createMemoryStorage(), clock: kitClock })
    await ingestAll(inOrder, inputs)
    const expected = await takeSnapshot(inOrder)
    const registry = createRegistry({ apps: kitApps, storage: createMemoryStorage(), clock: kitClock })
    expect(await ingestAll(registry, shuffled(inputs, 13))).toBe(0)
    // Times included: every repeat stays on the timeline, so an entry a late input causes is
    // dated at the repeat that causes it.
    expect(await takeSnapshot(registry)).toEqual(expected)
  })

  it('D14: a history compacted in order gives the answers of the same history never compacted', async () => {
    const inputs = [...history('phone-1', 1500, 2 * 365 * day, 5), ...history('phone-2', 1500, 2 * 365 * day, 6)]
    const exact = createRegistry({ apps: kitApps, storage: createMemoryStorage(), clock: kitClock, policy: kitExactHistory })
    await ingestAll(exact, inputs)
    const compacted = createRegistry({ apps: kitApps, storage: createMemoryStorage(), clock: kitClock })
    await ingestAll(compacted, inputs)
    expect(await takeSnapshot(compacted)).toEqual(await takeSnapshot(exact))
  })

  it('R9, D14: entries that left the window are records of their own, read back in the changelog', async () => {
    const { registry, feed } = setup({ now: d(100) })
    await feed(
      session({ at: d(1), device: 'p1', user: 'charlie', token: apns('a1') }),
      login({ at: d(2), device: 'p1', user: 'kim' }),
      session({ at: d(90), device: 'p1', user: 'kim', token: apns('b2') }),
    )
    expect((await registry.changelog('charlie')).map((e) => [e.kind, e.from, e.to])).toEqual([
      ['registered', null, 'charlie'],
      ['transferred_out', 'charlie', 'kim'],
    ])
    expect((await registry.changelog('kim')).map((e) => e.kind)).toEqual(['transferred_in', 'rotated'])
  })

  it('D14: the ingest report counts inputs older than their registration window; they still set the owner (R7)', async () => {
    const { registry, feed } = setup({ now: d(100) })
    await feed(session({ at: d(60), device: 'p1', token: apns('a1') }))
    expect((await feed(login({ at: d(40), device: 'p1', user: 'kim' }))).late).toBe(0)
    const report = await feed(login({ at: d(10), device: 'p1', user: 'charlie' }), uninstall({ at: d(5), device: 'p1' }), prompt({ at: d(50), device: 'p1', result: 'granted' }))
    expect(report.late).toBe(2)
    expect((await collect(registry.registrations('ios')))[0]).toMatchObject({ owner: 'kim', active: true })
    await feed(login({ at: d(20), device: 'p1', user: 'léa' }))
    expect((await collect(registry.registrations('ios')))[0]).toMatchObject({ owner: 'kim' })
  })

  it('D14: repeating one session does not write the registration again', async () => {
    const storage = createMemoryStorage()
    const registry = createRegistry({ apps: kitApps, storage, clock: kitClock })
    const one = (minutes: number) => session({ at: at(minutes * minute), app: 'ios', device: 'phone-1', token: kitHexTokens[0] as string })
    await ingestAll(registry, Array.from({ length: 10 }, (_, i) => one(i)))
    const before = await allRecords(storage)
    // Repeats the run keeps (its first and latest), and repeats it dropped (its second, third…).
    await ingestAll(registry, [one(1), one(0), one(2), one(9), one(3)])
    expect(await allRecords(storage)).toEqual(before)
  })

  it('D14, erasure: settled entries and opt-ins of an erased user leave every record', async () => {
    const storage = createMemoryStorage()
    const registry = createRegistry({ apps: kitApps, storage, clock: kitClock })
    await ingestAll(registry, [
      session({ at: d(1), app: 'ios', device: 'p1', user: 'charlie', token: kitHexTokens[0] as string, permission: 'not_determined' }),
      session({ at: d(2), app: 'ios', device: 'p1', user: 'charlie', token: kitHexTokens[0] as string }),
      login({ at: d(3), app: 'ios', device: 'p1', user: 'kim' }),
      session({ at: d(90), app: 'ios', device: 'p1', user: 'kim', token: kitHexTokens[1] as string }),
    ])
    const before = JSON.stringify(await allRecords(storage))
    expect(before).toContain('"kind":"changelog"')
    expect(before).toContain('settledOptIns')
    await registry.erase('charlie')
    expect(JSON.stringify(await allRecords(storage))).not.toContain('charlie')
    expect((await registry.changelog('kim')).map((e) => [e.kind, e.from, e.to])).toEqual([
      ['transferred_in', null, 'kim'],
      ['rotated', 'kim', 'kim'],
    ])
  })
})
