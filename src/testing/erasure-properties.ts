import fc from 'fast-check'
import type { ContactRecord, RegistryRecord, StoragePort } from 'push-registry'
import { recordId } from 'push-registry'
import { expect, it } from 'vitest'
import { validInputs } from './arbitraries.js'
import { readFeed } from './change-feed-contract.js'
import { expectAllAccepted, feed } from './feed.js'
import type { ConformanceOptions, RunSettings } from './options.js'
import { withStore } from './options.js'
import { allRecords } from './sample-records.js'
import { kitRegistry, kitUsers } from './universe.js'

/** Every string anywhere in a value. */
const strings = (value: unknown): string[] => {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(strings)
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings)
  return []
}

/** A record as it must be after erasing `userId`, if it never named them; `undefined` if it did. */
const untouched = (record: RegistryRecord, userId: string): RegistryRecord | undefined => {
  if (record.kind === 'contact') {
    // Others' claims on an address stay exactly as they were.
    return { ...record, claims: record.claims.filter((c) => c.userId !== userId) } satisfies ContactRecord
  }
  return strings(record).includes(userId) ? undefined : record
}

const withoutEmptyContacts = (records: readonly RegistryRecord[]): RegistryRecord[] =>
  records.filter((r) => r.kind !== 'contact' || r.claims.length > 0)

/**
 * Layer 2, erasure (`registry.erase`, which relies on deletions and on `forgetChanges`): after
 * any inputs, erasing a user leaves no record and no change of the feed that names them (but
 * the `user.erased` notice), leaves every record that did not name them as it was (other users,
 * their devices, their claims on shared addresses), and a second erasure changes nothing.
 */
export const describeErasureProperties = (options: ConformanceOptions, settings: RunSettings): void => {
  it('erasure: nothing of the user is left in any record or change, no other user changes, and erasing again changes nothing', () =>
    fc.assert(
      fc.asyncProperty(validInputs, fc.constantFrom(...kitUsers), async (inputs, userId) => {
        await withStore(options, async (store: StoragePort) => {
          const registry = kitRegistry(store)
          expectAllAccepted(await feed(registry, inputs))
          const before = await allRecords(store)
          await registry.erase(userId)
          const after = await allRecords(store)
          for (const record of after) expect(strings(record), `${recordId(record)} still names ${userId}`).not.toContain(userId)
          const kept = new Map(after.map((r) => [recordId(r), r]))
          for (const record of before) {
            const expected = untouched(record, userId)
            if (expected === undefined) continue
            const id = recordId(record)
            if (expected.kind === 'contact' && expected.claims.length === 0) expect(kept.has(id), `${id} is deleted`).toBe(false)
            else expect(kept.get(id), id).toEqual(expected)
          }
          const changes = await readFeed(store)
          const naming = changes.filter((c) => strings(c.change).includes(userId) || c.users.includes(userId as never))
          expect(naming.map((c) => (c.change as { name: string }).name).filter((n) => n !== 'user.erased')).toEqual([])
          await registry.erase(userId)
          expect(await allRecords(store)).toEqual(after)
          expect(await readFeed(store)).toEqual(changes)
          expect(withoutEmptyContacts(after)).toEqual(after)
        })
      }),
      // A quarter of the runs: each ingests, erases (scans included) and erases again, on a
      // fresh store (on a database, a schema), about three invariant runs' worth.
      { ...settings, numRuns: Math.max(10, Math.ceil(settings.numRuns / 4)) },
    ))
}
