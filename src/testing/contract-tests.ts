import type { AppId, DeviceId, RecordKey, RecordKind, RegistrationRecord, RegistryRecord, ScanRequest, StoragePort, StoredRecord } from 'push-registry'
import { recordId } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { limitRecords } from './limit-records.js'
import type { ConformanceOptions } from './options.js'
import { closeInTest, withStore } from './options.js'
import type { SampleRecords } from './sample-records.js'
import { keyOf, recordKinds, sampleRecords, sampleTests } from './sample-records.js'

const idOf = (record: RegistryRecord): string => recordId(record)

/** Creates every record with `expectedVersion` 0, and checks the commit applied. */
const createAll = async (store: StoragePort, records: readonly RegistryRecord[]): Promise<void> => {
  expect(await store.commit(records.map((record) => ({ record, expectedVersion: 0 })))).toEqual({ ok: true })
}

const one = async (store: StoragePort, key: RecordKey): Promise<StoredRecord | undefined> => (await store.read([key]))[0]

/** Follows cursors to the end, checking each page's size; fails rather than loop forever. */
const scanAll = async (
  store: StoragePort,
  request: Omit<ScanRequest, 'cursor'>,
  maxPages: number,
): Promise<{ records: StoredRecord[]; pages: number }> => {
  const records: StoredRecord[] = []
  let cursor: string | undefined
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await store.scan({ ...request, ...(cursor === undefined ? {} : { cursor }) })
    expect(page.records.length, 'a page holds at most `limit` records').toBeLessThanOrEqual(request.limit)
    records.push(...page.records)
    if (page.next === null) return { records, pages }
    expect(typeof page.next, 'a cursor is a string').toBe('string')
    cursor = page.next
  }
  throw new Error(`scan of ${request.kind} did not end after ${maxPages} pages`)
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const idsOf = (records: readonly StoredRecord[]): string[] => records.map((r) => idOf(r.record)).sort(byId)
const ofKind = (records: readonly RegistryRecord[], kind: RecordKind): RegistryRecord[] => records.filter((r) => r.kind === kind)
const find = (records: readonly RegistryRecord[], test: (r: RegistryRecord) => boolean): RegistryRecord => {
  const found = records.find(test)
  if (found === undefined) throw new Error('the kit found no sample record of the shape it needs')
  return found
}

/**
 * Layer 1: example tests of every `StoragePort` method against the contract written in
 * `src/ports/storage.ts`, on records a real registry wrote.
 */
export const describeContract = (options: ConformanceOptions): void => {
  const test = sampleTests(options)
  /** A record the morning wrote and the afternoon changed: the registration ios/phone-1. */
  const revised = (sample: SampleRecords): [RegistryRecord, RegistryRecord] => {
    const isIt = (r: RegistryRecord) => r.kind === 'registration' && r.appId === 'ios' && r.deviceId === 'phone-1'
    return [find(sample.morning, isIt), find(sample.evening, isIt)]
  }

  describe('read', () => {
    test('answers undefined for every missing key, one entry per key, in order', async (store, { morning }) => {
      const keys = morning.slice(0, 3).map(keyOf)
      expect(await store.read(keys)).toEqual([undefined, undefined, undefined])
    })
    test('answers an empty list for no keys', async (store) => {
      expect(await store.read([])).toEqual([])
    })
    test('answers stored records and undefined for missing ones, in the order asked', async (store, { morning, evening }) => {
      const stored = morning.filter((r) => r.kind !== 'contact')
      await createAll(store, stored)
      const missing = find(evening, (r) => !morning.some((m) => idOf(m) === idOf(r)))
      const wanted = [missing, ...[...stored].reverse(), missing, stored[0] as RegistryRecord]
      const found = await store.read(wanted.map(keyOf))
      expect(found).toHaveLength(wanted.length)
      expect(found.map((f) => (f === undefined ? undefined : idOf(f.record)))).toEqual(
        wanted.map((r) => (r === missing ? undefined : idOf(r))),
      )
    })
  })

  describe('commit', () => {
    test('a write expecting version 0 creates the record at version 1', async (store, { morning }) => {
      await createAll(store, morning)
      for (const stored of await store.read(morning.map(keyOf))) expect(stored?.version).toBe(1)
    })
    test('records of every kind come back deep-equal to what was written', async (store, { evening }) => {
      expect(new Set(evening.map((r) => r.kind))).toEqual(new Set(recordKinds))
      await createAll(store, evening)
      expect((await store.read(evening.map(keyOf))).map((s) => s?.record)).toEqual(evening)
    })
    test('a write expecting the current version replaces the record and increments its version', async (store, sample) => {
      const [before, after] = revised(sample)
      await createAll(store, [before])
      expect(await store.commit([{ record: after, expectedVersion: 1 }])).toEqual({ ok: true })
      expect(await one(store, keyOf(after))).toEqual({ record: after, version: 2 })
      expect(await store.commit([{ record: before, expectedVersion: 2 }])).toEqual({ ok: true })
      expect(await one(store, keyOf(before))).toEqual({ record: before, version: 3 })
    })
    test('a write expecting version 0 of an existing record conflicts and lists its id', async (store, sample) => {
      const [before, after] = revised(sample)
      await createAll(store, [before])
      expect(await store.commit([{ record: after, expectedVersion: 0 }])).toEqual({ ok: false, conflicts: [idOf(after)] })
      expect(await one(store, keyOf(before))).toEqual({ record: before, version: 1 })
    })
    test('a write expecting a stale version conflicts, lists its id, and changes nothing', async (store, sample) => {
      const [before, after] = revised(sample)
      await createAll(store, [before])
      expect(await store.commit([{ record: after, expectedVersion: 1 }])).toEqual({ ok: true })
      expect(await store.commit([{ record: before, expectedVersion: 1 }])).toEqual({ ok: false, conflicts: [idOf(before)] })
      expect(await one(store, keyOf(after))).toEqual({ record: after, version: 2 })
    })
    test('a write expecting a version of a missing record conflicts', async (store, sample) => {
      const [, after] = revised(sample)
      expect(await store.commit([{ record: after, expectedVersion: 1 }])).toEqual({ ok: false, conflicts: [idOf(after)] })
      expect(await one(store, keyOf(after))).toBeUndefined()
    })
    test('a commit with one conflicting write applies none of its writes', async (store, sample) => {
      const [before, after] = revised(sample)
      const others = sample.morning.filter((r) => idOf(r) !== idOf(before))
      const [updated] = others
      if (updated === undefined) throw new Error('the kit needs more sample records')
      await createAll(store, [before, updated])
      const fresh = sample.evening.filter((r) => !sample.morning.some((m) => idOf(m) === idOf(r)))
      expect(fresh.length).toBeGreaterThan(0)
      const outcome = await store.commit([
        ...fresh.map((record) => ({ record, expectedVersion: 0 })),
        { record: updated, expectedVersion: 1 },
        { record: after, expectedVersion: 7 },
      ])
      expect(outcome).toEqual({ ok: false, conflicts: [idOf(after)] })
      expect(await store.read(fresh.map(keyOf))).toEqual(fresh.map(() => undefined))
      expect(await store.read([keyOf(before), keyOf(updated)])).toEqual([
        { record: before, version: 1 },
        { record: updated, version: 1 },
      ])
    })
    test('a conflict lists every conflicting record and no other', async (store, { morning }) => {
      await createAll(store, morning)
      const [a, b, c] = morning
      if (a === undefined || b === undefined || c === undefined) throw new Error('the kit needs more sample records')
      const outcome = await store.commit([
        { record: a, expectedVersion: 0 },
        { record: b, expectedVersion: 1 },
        { record: c, expectedVersion: 2 },
      ])
      expect(outcome.ok).toBe(false)
      expect('conflicts' in outcome ? [...outcome.conflicts].sort(byId) : outcome).toEqual([idOf(a), idOf(c)].sort(byId))
      for (const stored of await store.read([a, b, c].map(keyOf))) expect(stored?.version).toBe(1)
    })
    test('of two concurrent creations of one record, exactly one applies', async (store, sample) => {
      const [before, after] = revised(sample)
      const outcomes = await Promise.all([
        store.commit([{ record: before, expectedVersion: 0 }]),
        store.commit([{ record: after, expectedVersion: 0 }]),
      ])
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
      const winner = outcomes[0]?.ok === true ? before : after
      expect(await one(store, keyOf(before))).toEqual({ record: winner, version: 1 })
    })
    test('of two concurrent updates from the same version, exactly one applies', async (store, sample) => {
      const [before, after] = revised(sample)
      await createAll(store, [before])
      const outcomes = await Promise.all([
        store.commit([{ record: after, expectedVersion: 1 }]),
        store.commit([{ record: before, expectedVersion: 1 }]),
      ])
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
      const winner = outcomes[0]?.ok === true ? after : before
      expect(await one(store, keyOf(before))).toEqual({ record: winner, version: 2 })
    })
  })

  describe('scan', () => {
    test('of an empty store answers no records and next null', async (store) => {
      for (const kind of recordKinds) expect(await store.scan({ kind, limit: 10 })).toEqual({ records: [], next: null })
    })
    for (const limit of [1, 2, 1000]) {
      test(`pages through every record of each kind exactly once, with limit ${limit}`, async (store, { evening }) => {
        await createAll(store, evening)
        for (const kind of recordKinds) {
          const expected = ofKind(evening, kind)
          const { records } = await scanAll(store, { kind, limit }, expected.length + 2)
          expect(idsOf(records), `${kind} records`).toEqual(expected.map(idOf).sort(byId))
          for (const stored of records) {
            expect(stored.record).toEqual(expected.find((r) => idOf(r) === idOf(stored.record)))
            expect(stored.version).toBe(1)
          }
        }
      })
    }
    test('filters by appId for the kinds that belong to an app', async (store, { evening }) => {
      await createAll(store, evening)
      for (const kind of ['registration', 'token', 'dispatch', 'delivery'] as const) {
        for (const appId of ['ios', 'android', 'web', 'absent'] as AppId[]) {
          const expected = evening.filter((r) => r.kind === kind && r.appId === appId)
          const { records } = await scanAll(store, { kind, appId, limit: 1 }, expected.length + 2)
          expect(idsOf(records), `${kind} records of ${appId}`).toEqual(expected.map(idOf).sort(byId))
        }
      }
    })
    test('ignores appId for the kinds that belong to no app (user, contact)', async (store, { evening }) => {
      await createAll(store, evening)
      for (const kind of ['user', 'contact'] as const) {
        const expected = ofKind(evening, kind)
        const { records } = await scanAll(store, { kind, appId: 'ios' as AppId, limit: 2 }, expected.length + 2)
        expect(idsOf(records)).toEqual(expected.map(idOf).sort(byId))
      }
    })
    test('answers the current version of each record', async (store, sample) => {
      const [before, after] = revised(sample)
      await createAll(store, [before])
      await store.commit([{ record: after, expectedVersion: 1 }])
      const { records } = await scanAll(store, { kind: 'registration', limit: 10 }, 3)
      expect(records).toEqual([{ record: after, version: 2 }])
    })
    test('finds every record that existed when it began exactly once, while records are written', async (store, { morning, evening }) => {
      await createAll(store, morning)
      const existing = ofKind(morning, 'registration')
      const known = (r: RegistryRecord) => morning.some((m) => idOf(m) === idOf(r))
      const first = await store.scan({ kind: 'registration', limit: 1 })
      expect(first.next).not.toBeNull()
      // Mid-scan, every record is updated and new ones appear, on both sides of any order.
      const template = existing[0] as RegistrationRecord
      const fresh = [
        ...evening.filter((r) => !known(r)),
        // New devices with no token: copying the template's active token would make one token
        // active three times in one app, which a store may refuse (I2).
        ...['0-new', 'zz-new'].map(
          (deviceId): RegistryRecord => ({ ...template, deviceId: deviceId as DeviceId, view: { ...template.view, token: { status: 'none' } } }),
        ),
      ]
      const outcome = await store.commit([
        ...evening.filter(known).map((record) => ({ record, expectedVersion: 1 })),
        ...fresh.map((record) => ({ record, expectedVersion: 0 })),
      ])
      expect(outcome).toEqual({ ok: true })
      const seen = [...first.records]
      let cursor = first.next
      for (let pages = 0; cursor !== null && pages <= evening.length + fresh.length; pages++) {
        const page = await store.scan({ kind: 'registration', limit: 1, cursor })
        seen.push(...page.records)
        cursor = page.next
      }
      expect(cursor, 'the scan ends').toBeNull()
      const ids = seen.map((s) => idOf(s.record))
      for (const record of existing) expect(ids.filter((id) => id === idOf(record)), `${idOf(record)} seen once`).toHaveLength(1)
      expect(new Set(ids).size, 'no record twice').toBe(ids.length)
    })
  })

  describe('isolation', () => {
    test('what read and scan answered does not change when the record is written later', async (store, sample) => {
      const [before, after] = revised(sample)
      await createAll(store, [before])
      const read = await one(store, keyOf(before))
      const scanned = await store.scan({ kind: 'registration', limit: 10 })
      const copy = structuredClone({ read, scanned })
      expect(await store.commit([{ record: after, expectedVersion: 1 }])).toEqual({ ok: true })
      // The registry commits on the version it read: a version that moved under it would
      // turn a conflict into a lost update.
      expect({ read, scanned }).toEqual(copy)
    })
  })

  describe('limits', () => {
    test('S3: holds records at the boundary\'s limits: 4,096-character random token keys and endpoints, 256-character ids', async (store) => {
      const { first, moved } = await limitRecords()
      await createAll(store, first)
      expect(await store.read(first.map(keyOf))).toEqual(first.map((record) => ({ record, version: 1 })))
      // R3: the token and the endpoint move to another device, which holds them active.
      const written = new Set(first.map(idOf))
      expect(await store.commit(moved.map((record) => ({ record, expectedVersion: written.has(idOf(record)) ? 1 : 0 })))).toEqual({ ok: true })
      expect((await store.read(moved.map(keyOf))).map((stored) => stored?.record)).toEqual(moved)
      const scanned: StoredRecord[] = []
      for (const kind of recordKinds) scanned.push(...(await scanAll(store, { kind, limit: 2 }, 20)).records)
      expect(idsOf(scanned)).toEqual(moved.map(idOf).sort(byId))
    })
  })

  describe('close and capabilities', () => {
    test('close() resolves', async (store) => {
      await expect(closeInTest(store)).resolves.toBeUndefined()
    })
    test('declares its capabilities as booleans, matching what the author claims', async (store) => {
      expect(typeof store.capabilities.sharedAcrossProcesses).toBe('boolean')
      expect(typeof store.capabilities.durable).toBe('boolean')
      if (options.capabilities !== undefined) expect(store.capabilities).toEqual(options.capabilities)
    })
    it('durable: records survive close() and come back through a new handle', async (ctx) => {
      const sample = await sampleRecords()
      await withStore(options, async (store) => {
        const durable = (options.capabilities ?? store.capabilities).durable
        const reopen = options.reopen
        if (!durable || reopen === undefined) {
          ctx.skip(durable ? 'pass `reopen` to check what durable promises' : 'the adapter does not claim durable')
          return
        }
        await createAll(store, sample.evening)
        await closeInTest(store)
        const again = await reopen(store)
        try {
          expect(await again.read(sample.evening.map(keyOf))).toEqual(sample.evening.map((record) => ({ record, version: 1 })))
        } finally {
          await again.close()
        }
      })
    })
  })
}
