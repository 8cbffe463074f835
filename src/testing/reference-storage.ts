import type {
  ChangesRequest,
  CommitOptions,
  CommitOutcome,
  RecordKey,
  RecordWrite,
  RegistryRecord,
  ScanPage,
  ScanRequest,
  StoragePort,
  StoredChange,
  StoredRecord,
} from 'push-registry'
import { recordId } from 'push-registry'

/**
 * The kit's model of a storage: the `StoragePort` contract written as plainly as possible, to
 * be obviously right rather than fast. Records live in a `Map` by `recordId`; every read and
 * write copies, so no caller can change a stored record by holding on to an object; a scan
 * sorts the matching ids and resumes after the last id it returned. The feed is a list in
 * commit order, numbered from 1; its cursor is the number.
 *
 * The model-based run compares a registry on this store with a registry on the adapter under
 * test. Exported so that adapter authors can use it as a reference in their own tests.
 *
 * @example
 * ```ts
 * const registry = createRegistry({ apps, storage: createReferenceStorage() })
 * ```
 */
export const createReferenceStorage = (): StoragePort => {
  const records = new Map<string, StoredRecord>()
  let feed: StoredChange[] = []
  let appended = 0

  const read = async (keys: readonly RecordKey[]): Promise<readonly (StoredRecord | undefined)[]> =>
    keys.map((key) => {
      const stored = records.get(recordId(key))
      return stored === undefined ? undefined : structuredClone(stored)
    })

  const commit = async (writes: readonly RecordWrite[], options: CommitOptions = {}): Promise<CommitOutcome> => {
    const deletes = options.deletes ?? []
    const conflicts = [
      ...writes.filter((write) => (records.get(recordId(write.record))?.version ?? 0) !== write.expectedVersion).map((write) => recordId(write.record)),
      ...deletes.filter((d) => d.expectedVersion === 0 || records.get(recordId(d.key))?.version !== d.expectedVersion).map((d) => recordId(d.key)),
      ...(options.reads ?? []).filter((r) => (records.get(recordId(r.key))?.version ?? 0) !== r.expectedVersion).map((r) => recordId(r.key)),
    ]
    if (conflicts.length > 0) return { ok: false, conflicts }
    for (const { key } of deletes) records.delete(recordId(key))
    const forgotten = new Set<string>(options.forgetChanges ?? [])
    feed = feed.filter((stored) => !stored.users.some((user) => forgotten.has(user)))
    for (const draft of options.changes ?? []) feed.push(structuredClone({ ...draft, cursor: String(++appended) }))
    for (const write of writes) {
      records.set(recordId(write.record), { record: structuredClone(write.record), version: write.expectedVersion + 1 })
    }
    return { ok: true }
  }

  const scan = async (request: ScanRequest): Promise<ScanPage> => {
    const ids = [...records.keys()]
      .filter((id) => matches((records.get(id) as StoredRecord).record, request))
      .filter((id) => request.cursor === undefined || id > request.cursor)
      .sort()
    const page = ids.slice(0, request.limit)
    const last = page[page.length - 1]
    return {
      records: page.map((id) => structuredClone(records.get(id) as StoredRecord)),
      next: page.length < ids.length && last !== undefined ? last : null,
    }
  }

  const readChanges = async (request: ChangesRequest): Promise<readonly StoredChange[]> => {
    const after = request.after === undefined ? 0 : Number(request.after)
    return structuredClone(feed.filter((stored) => Number(stored.cursor) > after).slice(0, request.limit))
  }

  const pruneChanges = async ({ before }: { readonly before: number }): Promise<number> => {
    const kept = feed.filter((stored) => stored.at >= before)
    const pruned = feed.length - kept.length
    feed = kept
    return pruned
  }

  return {
    capabilities: { sharedAcrossProcesses: false, durable: false, checksReads: true },
    read,
    commit,
    scan,
    readChanges,
    pruneChanges,
    close: async () => undefined,
  }
}

/** Whether a scan names this record: its kind, and its app for the kinds that have one. */
const matches = (record: RegistryRecord, request: ScanRequest): boolean =>
  record.kind === request.kind &&
  (request.appId === undefined || !('appId' in record) || record.appId === request.appId)
