import { RecordMap } from '../domain/record-map.js'
import type { RecordKey, RegistryRecord } from '../domain/records.js'
import type { RecordDelete, RecordWrite, StoredRecord } from '../ports/storage.js'
import type { Cached } from './record-cache.js'
import { absent } from './record-cache.js'

/**
 * Where a working set looks for records before it reads the store, and what it tells of what
 * it read: the registry's record cache, or the writes of a commit under way.
 */
export interface RecordSource {
  readonly size: number
  get(key: RecordKey): Cached | undefined
  remember(key: RecordKey | RegistryRecord, stored: StoredRecord | undefined): void
}

/**
 * What a unit's commit, under way, will have written once it applies: each write at its next
 * version, each deletion as absent. The next unit of a batch is decided from these while that
 * commit runs (ingest.ts), and never from the store's answer for them, which may come from
 * before or after the commit. A record taken from here is checked by that next unit's commit
 * (`CommitOptions.reads`) when it does not write it, so a record another writer changed since
 * is a conflict. Holds one unit's writes, and nothing it is told of reads.
 */
export class PendingWrites implements RecordSource {
  private readonly records = new RecordMap<Cached>()

  constructor(writes: readonly RecordWrite[], deletes: readonly RecordDelete[]) {
    for (const write of writes) this.records.set(write.record, { record: write.record, version: write.expectedVersion + 1 })
    for (const d of deletes) this.records.set(d.key, absent)
  }

  get size(): number {
    return this.records.size
  }

  get(key: RecordKey): Cached | undefined {
    return this.records.get(key)
  }

  /** Reads of other records are not kept: the next unit's commit checks none of them. */
  remember(): void {}
}
