import type { RecordKey, RegistryRecord } from '../domain/records.js'
import { recordId } from '../domain/records.js'
import type { RecordDelete, RecordWrite, StoredRecord } from '../ports/storage.js'

/** How many records a registry's record cache holds when `createRegistry` is not told (`recordCacheSize`). */
export const defaultRecordCacheSize = 10_000

/**
 * The largest unit of work the cache serves. A bigger unit (a batch) reads the records of all
 * its inputs in one round anyway, so the cache could save it that one round only, while taking
 * and remembering each of its thousands of records would cost more than the round (memory
 * store, batches of 10,000: 42% slower with the cache). Its commit refreshes the entries the
 * cache already holds and adds none.
 */
export const cachedUnitLimit = 64

/** A cached answer: the record at its version, or `absent` (version 0: the store had none). */
export type Cached = StoredRecord | typeof absent

/** A record the store answered as missing (or that this registry deleted). */
export const absent: { readonly version: 0 } = Object.freeze({ version: 0 })

/**
 * The records this registry read or committed recently, with their versions: least recently
 * used first out, at most `capacity` of them (D14: memory stays bounded, about `capacity`
 * records of a bounded size each). An entry may be stale (another instance wrote since): the
 * registry decides from it only on a store that checks the versions of what a commit read
 * (`checksReads`), so a stale entry costs a conflict and a fresh read, never a wrong commit.
 */
export class RecordCache {
  private readonly entries = new Map<string, Cached>()

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size
  }

  /** The cached answer for `key`, marked as used; `undefined` when not cached. */
  get(key: RecordKey): Cached | undefined {
    const id = recordId(key)
    const found = this.entries.get(id)
    if (found === undefined) return undefined
    // Map keeps insertion order: moving the entry to the end makes the first the least recent.
    this.entries.delete(id)
    this.entries.set(id, found)
    return found
  }

  /**
   * What the store answered for `key` (`undefined`: missing). An answer older than the cached
   * entry (a read that crossed one of this registry's commits) leaves the entry alone.
   */
  remember(key: RecordKey | RegistryRecord, stored: StoredRecord | undefined): void {
    const id = recordId(key)
    const next = stored ?? absent
    const current = this.entries.get(id)
    if (current !== undefined && current.version > next.version) return
    this.put(id, next)
  }

  /**
   * A commit applied: its writes are at their next versions; its deletions are forgotten (rare:
   * erasure). `ofBatch`: the commit of a unit over {@link cachedUnitLimit}, whose writes only
   * refresh entries already held.
   */
  committed(writes: readonly RecordWrite[], deletes: readonly RecordDelete[], ofBatch = false): void {
    if (this.capacity === 0) return
    if (ofBatch) {
      // A batch: what the cache holds stays current, and nothing of the batch is added.
      for (const write of writes) {
        const id = recordId(write.record)
        if (this.entries.has(id)) this.entries.set(id, { record: write.record, version: write.expectedVersion + 1 })
      }
    } else for (const write of writes) this.remember(write.record, { record: write.record, version: write.expectedVersion + 1 })
    for (const d of deletes) this.entries.delete(recordId(d.key))
  }

  /** Drops these records (by `recordId`): they conflicted, or a commit naming them failed. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.entries.delete(id)
  }

  private put(id: string, cached: Cached): void {
    if (this.capacity === 0) return
    this.entries.delete(id)
    this.entries.set(id, cached)
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
  }
}
