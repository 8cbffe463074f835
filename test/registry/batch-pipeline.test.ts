import type { StoragePort } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { allRecords } from '../../src/testing/sample-records.js'
import { d, h, iosApp, session, subscriptionSet } from './harness.js'

// A batch's units are committed one after the other, and the next unit is read and decided
// while the previous one's commit runs (src/registry/ingest.ts, `pipelined`). It takes the
// records that commit writes from the commit itself, and its own commit checks them.

const clock = fixedClock(Date.parse(d(30)))
const registryOn = (storage: StoragePort) => createRegistry({ apps: [iosApp], storage, clock })

const hex = (i: number): string => (i % 256).toString(16).padStart(2, '0')
const token = (i: number, turn: number): string => `${hex(i)}${hex(turn)}${hex(i >> 8)}`.padEnd(64, 'a')

/**
 * Three units of 1,000 inputs, each reading what the one before wrote: new devices and users;
 * then a second device for each of those users (their user record read, their links written)
 * and a new token on half of the first devices; then later sessions of the second devices.
 */
const units = [
  Array.from({ length: 1000 }, (_, i) => session({ at: h(1), device: `phone-${i}`, user: `user-${i}`, token: token(i, 0) })),
  Array.from({ length: 1000 }, (_, i) =>
    i % 2 === 0
      ? session({ at: h(2), device: `tablet-${i}`, user: `user-${i}`, token: token(i, 1) })
      : session({ at: h(2), device: `phone-${i}`, user: `user-${i}`, token: token(i, 2) }),
  ),
  Array.from({ length: 1000 }, (_, i) => session({ at: h(3), device: i % 2 === 0 ? `tablet-${i}` : `phone-${i}`, user: `user-${i}`, token: token(i, 3) })),
]

/**
 * A memory store that passes for a server: it says it is shared across processes (the
 * registry decides a batch's next unit during a commit only on such a store), and its commits
 * take effect a little after they are sent, so the next unit's reads, sent meanwhile, find the
 * store as it was before. `between` runs after the first commit applied and before it answers
 * (another writer).
 */
const slowCommits = (inner: StoragePort, between?: () => Promise<void>) => {
  const calls = { commits: 0, conflicts: 0 }
  const store: StoragePort = {
    ...inner,
    capabilities: { ...inner.capabilities, sharedAcrossProcesses: true },
    commit: async (writes, options) => {
      calls.commits++
      await new Promise((resolve) => setTimeout(resolve, 2))
      const outcome = await inner.commit(writes, options)
      if (!outcome.ok && 'conflicts' in outcome) calls.conflicts++
      if (calls.commits === 1 && between !== undefined) await between()
      return outcome
    },
  }
  return { store, calls }
}

/** The records of the same inputs ingested one unit per `ingest` call (no unit decided ahead). */
const oneUnitPerCall = async (before: readonly unknown[][], after: readonly unknown[][] = []): Promise<unknown[]> => {
  const memory = createMemoryStorage()
  const registry = registryOn(memory)
  for (const inputs of [...before, ...after]) expect((await registry.ingest(inputs)).accepted).toBe(inputs.length)
  return allRecords(memory)
}

describe('batches: the next unit is decided while the previous one commits', () => {
  it('R1, R9, D2: a unit that reads what the previous unit writes takes it from that commit, and the batch ends as one unit per call does', async () => {
    const memory = createMemoryStorage()
    const { store, calls } = slowCommits(memory)
    const report = await registryOn(store).ingest(units.flat())
    expect(report).toEqual({ accepted: 3000, rejected: [], late: 0 })
    // Decided from the store's answer, the second unit would have found none of the first
    // unit's records (its commit had not applied yet) and conflicted.
    expect(calls).toEqual({ commits: 3, conflicts: 0 })
    expect(await allRecords(memory)).toEqual(await oneUnitPerCall(units))
  })

  it('R11, I9: a record the previous unit wrote and another writer changed before the next unit committed makes that unit conflict, and it is decided again', async () => {
    const memory = createMemoryStorage()
    const other = registryOn(memory)
    const changes = Array.from({ length: 10 }, (_, i) => subscriptionSet({ at: h(1.5), user: `user-${2 * i}`, state: 'unsubscribed' }))
    const { store, calls } = slowCommits(memory, async () => {
      expect((await other.ingest(changes)).accepted).toBe(10)
    })
    const report = await registryOn(store).ingest(units.flat())
    expect(report).toEqual({ accepted: 3000, rejected: [], late: 0 })
    // The second unit read those users' records from the first unit's commit, before the
    // other writer changed them: its commit checked them, conflicted, and it ran again.
    expect(calls.conflicts).toBe(1)
    expect(calls.commits).toBe(4)
    expect(await allRecords(memory)).toEqual(await oneUnitPerCall([units[0] as unknown[], changes], units.slice(1)))
  })
})
