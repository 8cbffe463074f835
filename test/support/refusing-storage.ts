import type { RecordWrite, StoragePort } from 'push-registry'
import { recordId } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'

/** What a {@link refusingStorage} refuses: a commit holding a write this predicate picks, or too many writes. */
export interface Refuses {
  /** A record the store cannot hold, whatever else the commit holds. */
  readonly record?: (write: RecordWrite) => boolean
  /** Commits of more writes than this are refused as too large for one transaction. */
  readonly maxWrites?: number
}

/**
 * A memory store that refuses, on their own merits, the commits `refuses` picks: the way a
 * real store refuses a record over an engine limit or a transaction too large. Everything
 * else goes to the memory store, which records how many commits it was asked for.
 */
export const refusingStorage = (refuses: Refuses): StoragePort & { readonly commits: () => number } => {
  const inner = createMemoryStorage()
  let commits = 0
  return {
    ...inner,
    commits: () => commits,
    commit: async (writes, options) => {
      commits += 1
      const refused = writes.filter((write) => refuses.record?.(write) === true)
      if (refused.length > 0) {
        return { ok: false, refused: { reason: 'a record over the test store\'s limit', records: refused.map((w) => recordId(w.record)) } }
      }
      if (refuses.maxWrites !== undefined && writes.length > refuses.maxWrites) {
        return { ok: false, refused: { reason: `a commit of more than ${refuses.maxWrites} writes` } }
      }
      return inner.commit(writes, options)
    },
  }
}

/** Refuses the records of one device: its registration is "too large" for the test store. */
export const refusesDevice = (deviceId: string) => (write: RecordWrite): boolean =>
  write.record.kind === 'registration' && write.record.deviceId === deviceId
