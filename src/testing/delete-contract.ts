import type { RecordKey, RegistryRecord, StoragePort, UserId } from 'push-registry'
import { recordId } from 'push-registry'
import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from './options.js'
import { withStore } from './options.js'
import type { SampleRecords } from './sample-records.js'
import { allRecords, keyOf, sampleRecords } from './sample-records.js'

const idOf = (record: RegistryRecord): string => recordId(record)

/**
 * Layer 1, deletions: `commit(writes, { deletes })` per the contract in `src/ports/storage.ts`.
 * The registry deletes only to erase a user (`registry.erase`), and relies on a deletion being
 * conditional and atomic with the writes beside it, as a write is.
 */
export const describeDeleteContract = (options: ConformanceOptions): void => {
  let samples: SampleRecords | undefined
  const test = (name: string, body: (store: StoragePort, evening: readonly RegistryRecord[]) => Promise<void>): void => {
    it(name, async () => {
      const { evening } = (samples ??= await sampleRecords())
      await withStore(options, async (store) => {
        expect(await store.commit(evening.map((record) => ({ record, expectedVersion: 0 })))).toEqual({ ok: true })
        await body(store, evening)
      })
    })
  }
  const pick = (records: readonly RegistryRecord[], kind: RegistryRecord['kind']): RegistryRecord => {
    const found = records.find((r) => r.kind === kind)
    if (found === undefined) throw new Error(`the kit has no sample ${kind} record`)
    return found
  }

  describe('delete', () => {
    test('a deletion expecting the current version removes the record from reads and scans', async (store, evening) => {
      const user = pick(evening, 'user')
      const contact = pick(evening, 'contact')
      expect(await store.commit([], { deletes: [{ key: keyOf(user), expectedVersion: 1 }, { key: keyOf(contact), expectedVersion: 1 }] })).toEqual({ ok: true })
      expect(await store.read([keyOf(user), keyOf(contact)])).toEqual([undefined, undefined])
      const left = (await allRecords(store)).map(idOf)
      expect(left).toEqual(evening.filter((r) => r !== user && r !== contact).map(idOf).sort())
    })
    test('a deletion expecting a stale version conflicts, lists its id, and changes nothing', async (store, evening) => {
      const user = pick(evening, 'user')
      expect(await store.commit([], { deletes: [{ key: keyOf(user), expectedVersion: 2 }] })).toEqual({ ok: false, conflicts: [idOf(user)] })
      expect(await store.read([keyOf(user)])).toEqual([{ record: user, version: 1 }])
    })
    test('a deletion of a missing record, or one expecting version 0, conflicts', async (store, evening) => {
      const user = pick(evening, 'user')
      expect(await store.commit([], { deletes: [{ key: keyOf(user), expectedVersion: 0 }] })).toEqual({ ok: false, conflicts: [idOf(user)] })
      const missing: RecordKey = { kind: 'user', userId: 'nobody-at-all' as UserId }
      expect(await store.commit([], { deletes: [{ key: missing, expectedVersion: 1 }] })).toEqual({ ok: false, conflicts: [recordId(missing)] })
      expect(await store.read([keyOf(user)])).toEqual([{ record: user, version: 1 }])
    })
    test('writes and deletions of one commit apply together, or none of them does', async (store, evening) => {
      const user = pick(evening, 'user')
      const contact = pick(evening, 'contact')
      const dispatch = pick(evening, 'dispatch')
      const refused = await store.commit([{ record: dispatch, expectedVersion: 1 }], {
        deletes: [{ key: keyOf(user), expectedVersion: 1 }, { key: keyOf(contact), expectedVersion: 9 }],
      })
      expect(refused).toEqual({ ok: false, conflicts: [idOf(contact)] })
      expect(await store.read([keyOf(dispatch), keyOf(user), keyOf(contact)])).toEqual([
        { record: dispatch, version: 1 },
        { record: user, version: 1 },
        { record: contact, version: 1 },
      ])
      const applied = await store.commit([{ record: dispatch, expectedVersion: 1 }], { deletes: [{ key: keyOf(user), expectedVersion: 1 }] })
      expect(applied).toEqual({ ok: true })
      expect(await store.read([keyOf(dispatch), keyOf(user)])).toEqual([{ record: dispatch, version: 2 }, undefined])
    })
    test('a deleted record can be created again, at version 1', async (store, evening) => {
      const user = pick(evening, 'user')
      expect(await store.commit([], { deletes: [{ key: keyOf(user), expectedVersion: 1 }] })).toEqual({ ok: true })
      expect(await store.commit([{ record: user, expectedVersion: 1 }])).toEqual({ ok: false, conflicts: [idOf(user)] })
      expect(await store.commit([{ record: user, expectedVersion: 0 }])).toEqual({ ok: true })
      expect(await store.read([keyOf(user)])).toEqual([{ record: user, version: 1 }])
      expect((await allRecords(store)).map(idOf)).toEqual(evening.map(idOf).sort())
    })
    test('of two concurrent deletions from the same version, exactly one applies', async (store, evening) => {
      const user = pick(evening, 'user')
      const outcomes = await Promise.all([
        store.commit([], { deletes: [{ key: keyOf(user), expectedVersion: 1 }] }),
        store.commit([{ record: user, expectedVersion: 1 }]),
      ])
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
      const [stored] = await store.read([keyOf(user)])
      expect(stored).toEqual(outcomes[0]?.ok === true ? undefined : { record: user, version: 2 })
    })
  })
}
