import fc from 'fast-check'
import type { CommitOptions, CommitOutcome, RecordWrite, RegistryRecord, StoragePort } from 'push-registry'
import { recordId } from 'push-registry'
import { describe, expect, it } from 'vitest'
import type { ConformanceOptions, RunSettings } from './options.js'
import { withStore } from './options.js'
import { createReferenceStorage } from './reference-storage.js'
import type { SampleRecords } from './sample-records.js'
import { keyOf, sampleRecords } from './sample-records.js'

const idOf = (record: RegistryRecord): string => recordId(record)

/** Sample records of kinds no store constrains beyond their key (no token held active: I2). */
const plainRecords = (sample: SampleRecords): RegistryRecord[] => {
  const picked: RegistryRecord[] = []
  for (const kind of ['user', 'contact', 'dispatch', 'links'] as const) {
    const record = sample.evening.find((r) => r.kind === kind)
    if (record === undefined) throw new Error(`the kit has no sample ${kind} record`)
    picked.push(record)
  }
  return picked
}

/** An outcome with its conflicts sorted, for comparing stores that list them in any order. */
const normal = (outcome: CommitOutcome): CommitOutcome =>
  'conflicts' in outcome ? { ok: false, conflicts: [...outcome.conflicts].sort() } : outcome

const createAll = async (store: StoragePort, records: readonly RegistryRecord[]): Promise<void> => {
  expect(await store.commit(records.map((record) => ({ record, expectedVersion: 0 })))).toEqual({ ok: true })
}

/**
 * Layer 1, read checks: `CommitOptions.reads` per the contract in `src/ports/storage.ts`, for a
 * store that declares `capabilities.checksReads` (skipped for one that does not). The registry
 * decides from records it cached and relies on these checks to catch the ones another instance
 * changed, deleted or created since.
 */
export const describeReadChecksContract = (options: ConformanceOptions): void => {
  let samples: SampleRecords | undefined
  const test = (name: string, body: (store: StoragePort, records: readonly RegistryRecord[]) => Promise<void>): void => {
    it(name, async (ctx) => {
      const records = plainRecords((samples ??= await sampleRecords()))
      await withStore(options, async (store) => {
        if (store.capabilities.checksReads !== true) {
          ctx.skip('the adapter does not declare checksReads')
          return
        }
        await body(store, records)
      })
    })
  }

  describe('read checks', () => {
    test('a commit whose reads are at their stored versions applies, and leaves the records read unchanged', async (store, [a, b, c]) => {
      if (a === undefined || b === undefined || c === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [a, b])
      const outcome = await store.commit([{ record: a, expectedVersion: 1 }], {
        reads: [
          { key: keyOf(b), expectedVersion: 1 },
          { key: keyOf(c), expectedVersion: 0 },
        ],
      })
      expect(outcome).toEqual({ ok: true })
      expect(await store.read([a, b, c].map(keyOf))).toEqual([{ record: a, version: 2 }, { record: b, version: 1 }, undefined])
    })
    test('a read at a stale version conflicts, lists its id, and nothing of the commit applies (feed included)', async (store, [a, b]) => {
      if (a === undefined || b === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [a, b])
      expect(await store.commit([{ record: b, expectedVersion: 1 }])).toEqual({ ok: true })
      const outcome = await store.commit([{ record: a, expectedVersion: 1 }], {
        reads: [{ key: keyOf(b), expectedVersion: 1 }],
        changes: [{ at: 1, users: [], change: { stale: true } }],
      })
      expect(outcome).toEqual({ ok: false, conflicts: [idOf(b)] })
      expect(await store.read([a, b].map(keyOf))).toEqual([{ record: a, version: 1 }, { record: b, version: 2 }])
      expect(await store.readChanges({ limit: 10 })).toEqual([])
    })
    test('a read of a record deleted since conflicts', async (store, [a, b]) => {
      if (a === undefined || b === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [a, b])
      expect(await store.commit([], { deletes: [{ key: keyOf(b), expectedVersion: 1 }] })).toEqual({ ok: true })
      expect(await store.commit([{ record: a, expectedVersion: 1 }], { reads: [{ key: keyOf(b), expectedVersion: 1 }] })).toEqual({
        ok: false,
        conflicts: [idOf(b)],
      })
      expect(await store.read([keyOf(a)])).toEqual([{ record: a, version: 1 }])
    })
    test('a read of an absent record (version 0) conflicts once the record exists', async (store, [a, b]) => {
      if (a === undefined || b === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [b])
      expect(await store.commit([{ record: a, expectedVersion: 0 }], { reads: [{ key: keyOf(b), expectedVersion: 0 }] })).toEqual({
        ok: false,
        conflicts: [idOf(b)],
      })
      expect(await store.read([keyOf(a)])).toEqual([undefined])
    })
    test('a commit of reads alone answers whether they are current, and changes nothing', async (store, [a, b]) => {
      if (a === undefined || b === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [a])
      expect(await store.commit([], { reads: [{ key: keyOf(a), expectedVersion: 1 }, { key: keyOf(b), expectedVersion: 0 }] })).toEqual({ ok: true })
      expect(normal(await store.commit([], { reads: [{ key: keyOf(a), expectedVersion: 2 }, { key: keyOf(b), expectedVersion: 1 }] }))).toEqual(
        normal({ ok: false, conflicts: [idOf(a), idOf(b)] }),
      )
      expect(await store.read([a, b].map(keyOf))).toEqual([{ record: a, version: 1 }, undefined])
    })
    test('a conflict lists every stale read and stale write, and no other record', async (store, [a, b, c, d]) => {
      if (a === undefined || b === undefined || c === undefined || d === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [a, b, c, d])
      const outcome = await store.commit(
        [
          { record: a, expectedVersion: 1 },
          { record: b, expectedVersion: 3 },
        ],
        { reads: [{ key: keyOf(c), expectedVersion: 1 }, { key: keyOf(d), expectedVersion: 2 }] },
      )
      expect(normal(outcome)).toEqual(normal({ ok: false, conflicts: [idOf(b), idOf(d)] }))
      for (const stored of await store.read([a, b, c, d].map(keyOf))) expect(stored?.version).toBe(1)
    })
    test('write skew: of two concurrent commits that each read the record the other writes, never both apply', async (store, [a, b]) => {
      if (a === undefined || b === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [a, b])
      for (let round = 0; round < 10; round++) {
        const [version] = (await store.read([keyOf(a)])).map((s) => s?.version ?? 0)
        const [other] = (await store.read([keyOf(b)])).map((s) => s?.version ?? 0)
        const outcomes = await Promise.all([
          store.commit([{ record: a, expectedVersion: version as number }], { reads: [{ key: keyOf(b), expectedVersion: other as number }] }),
          store.commit([{ record: b, expectedVersion: other as number }], { reads: [{ key: keyOf(a), expectedVersion: version as number }] }),
        ])
        expect(outcomes.filter((o) => o.ok), `round ${round}`).not.toHaveLength(2)
      }
    })
  })
}

/** One record's part in a commit of the property: written, deleted or read, at an expected version. */
interface Part {
  readonly record: number
  readonly role: 'write' | 'delete' | 'read'
  readonly expectedVersion: number
}

const partsArbitrary = (records: number): fc.Arbitrary<Part[]> =>
  fc.uniqueArray(
    fc.record({
      record: fc.integer({ min: 0, max: records - 1 }),
      role: fc.constantFrom<Part['role']>('write', 'write', 'read', 'read', 'delete'),
      expectedVersion: fc.integer({ min: 0, max: 3 }),
    }),
    { selector: (part) => part.record, maxLength: records },
  )

const commitOf = (store: StoragePort, records: readonly RegistryRecord[], parts: readonly Part[]): Promise<CommitOutcome> => {
  const writes: RecordWrite[] = []
  const deletes: NonNullable<CommitOptions['deletes']>[number][] = []
  const reads: NonNullable<CommitOptions['reads']>[number][] = []
  for (const part of parts) {
    const record = records[part.record] as RegistryRecord
    if (part.role === 'write') writes.push({ record, expectedVersion: part.expectedVersion })
    else if (part.role === 'delete') deletes.push({ key: keyOf(record), expectedVersion: part.expectedVersion })
    else reads.push({ key: keyOf(record), expectedVersion: part.expectedVersion })
  }
  return store.commit(writes, { deletes, reads })
}

/**
 * Layer 2, read checks as a property against the kit's reference storage: after any run of
 * commits mixing writes, deletions and reads at right or wrong versions, every commit had the
 * reference's outcome (the same conflicts) and the store holds the reference's records.
 */
export const describeReadChecksProperties = (options: ConformanceOptions, settings: RunSettings): void => {
  it('read checks: commits mixing writes, deletions and reads apply, or conflict, as on the reference', async (ctx) => {
    const records = plainRecords(await sampleRecords())
    const probe = await options.create()
    const checks = probe.capabilities.checksReads === true
    if (options.teardown !== undefined) await options.teardown(probe)
    else await probe.close()
    if (!checks) {
      ctx.skip('the adapter does not declare checksReads')
      return
    }
    await fc.assert(
      fc.asyncProperty(fc.array(partsArbitrary(records.length), { minLength: 1, maxLength: 10 }), async (steps) => {
        const reference = createReferenceStorage()
        await withStore(options, async (store) => {
          for (const [i, parts] of steps.entries()) {
            const expected = normal(await commitOf(reference, records, parts))
            expect(normal(await commitOf(store, records, parts)), `commit ${i}`).toEqual(expected)
          }
          const keys = records.map(keyOf)
          expect(await store.read(keys)).toEqual(await reference.read(keys))
        })
      }),
      // A quarter of the runs: each needs a fresh store (a schema on a database).
      { ...settings, numRuns: Math.max(10, Math.ceil(settings.numRuns / 4)) },
    )
  })
}
