import type {
  CommitOutcome,
  RecordKey,
  RecordWrite,
  RegistryRecord,
  ScanPage,
  ScanRequest,
  StoragePort,
  StoredRecord,
} from 'push-registry'
import { recordId } from 'push-registry'

/** Options of {@link createMemoryStorage}. None yet; the object keeps room for them. */
export type MemoryStorageOptions = Record<string, never>

/**
 * The embedded default storage: every record in a `Map` of this process. Commits are atomic
 * and conditional within the process (JavaScript runs one commit at a time), so several
 * registries in one process may share one memory store; nothing survives a restart.
 *
 * @example
 * ```ts
 * const registry = createRegistry({ apps, storage: createMemoryStorage() })
 * ```
 */
export const createMemoryStorage = (_options: MemoryStorageOptions = {}): StoragePort => {
  const records = new Map<string, StoredRecord>()
  // Scans walk groups of ids (one per kind and app) in insertion order; records are never
  // deleted, so an offset into a group is a stable cursor.
  const groups = new Map<string, string[]>()
  const groupOrder: string[] = []

  const groupOf = (record: RegistryRecord): string =>
    'appId' in record ? `${record.kind}\u0000${record.appId}` : record.kind

  const read = async (keys: readonly RecordKey[]): Promise<readonly (StoredRecord | undefined)[]> =>
    keys.map((key) => records.get(recordId(key)))

  const commit = async (writes: readonly RecordWrite[]): Promise<CommitOutcome> => {
    const conflicts: string[] = []
    for (const write of writes) {
      const id = recordId(write.record)
      if ((records.get(id)?.version ?? 0) !== write.expectedVersion) conflicts.push(id)
    }
    if (conflicts.length > 0) return { ok: false, conflicts }
    for (const write of writes) {
      const id = recordId(write.record)
      if (write.expectedVersion === 0) {
        const group = groupOf(write.record)
        let ids = groups.get(group)
        if (ids === undefined) {
          ids = []
          groups.set(group, ids)
          groupOrder.push(group)
        }
        ids.push(id)
      }
      records.set(id, { record: write.record, version: write.expectedVersion + 1 })
    }
    return { ok: true }
  }

  const scan = async (request: ScanRequest): Promise<ScanPage> => {
    const wanted =
      request.appId !== undefined && request.kind !== 'user' && request.kind !== 'contact'
        ? [`${request.kind}\u0000${request.appId}`]
        : groupOrder.filter((g) => g === request.kind || g.startsWith(`${request.kind}\u0000`))
    const [startGroup, startOffset] = parseCursor(request.cursor)
    const page: StoredRecord[] = []
    for (let g = startGroup; g < wanted.length; g++) {
      const ids = groups.get(wanted[g] as string) ?? []
      for (let i = g === startGroup ? startOffset : 0; i < ids.length; i++) {
        if (page.length === request.limit) return { records: page, next: `${g}:${i}` }
        const stored = records.get(ids[i] as string)
        if (stored !== undefined) page.push(stored)
      }
    }
    return { records: page, next: null }
  }

  return {
    capabilities: { sharedAcrossProcesses: false, durable: false },
    read,
    commit,
    scan,
    close: async () => undefined,
  }
}

const parseCursor = (cursor: string | undefined): [number, number] => {
  if (cursor === undefined) return [0, 0]
  const [group, offset] = cursor.split(':').map(Number)
  return [group ?? 0, offset ?? 0]
}
