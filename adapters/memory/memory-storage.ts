import type {
  ChangesRequest,
  CommitOptions,
  CommitOutcome,
  RecordKey,
  RecordKind,
  RecordWrite,
  RegistryRecord,
  ScanPage,
  ScanRequest,
  StoragePort,
  StoredChange,
  StoredRecord,
} from 'push-registry'
import { recordId } from 'push-registry'
import { createMemoryFeed } from './memory-feed.js'

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
  // Records live in one table per kind, scoped by app (or contact kind), keyed by their own
  // natural id: lookups hash strings the records already hold instead of building composite
  // ids. Each record's current entry is also listed in its scope in insertion order; a deleted
  // record leaves a hole there (erasure is rare), so an offset into that list is a stable scan
  // cursor. Entries are
  // immutable and replaced on write, so reads hand them out as they are: what a caller holds
  // never changes under it, and reading allocates nothing.
  const tables: Readonly<Record<RecordKind, Map<string, Scope>>> = {
    registration: new Map(),
    token: new Map(),
    user: new Map(),
    dispatch: new Map(),
    contact: new Map(),
  }
  const scopesInOrder: Readonly<Record<RecordKind, Scope[]>> = {
    registration: [],
    token: [],
    user: [],
    dispatch: [],
    contact: [],
  }

  const scopeOf = (kind: RecordKind, name: string, create: boolean): Scope | undefined => {
    const table = tables[kind]
    let scope = table.get(name)
    if (scope === undefined && create) {
      scope = { name, byId: new Map(), members: [] }
      table.set(name, scope)
      scopesInOrder[kind].push(scope)
    }
    return scope
  }

  const feed = createMemoryFeed()

  const find = (key: RecordKey | RegistryRecord): Entry | undefined =>
    scopeOf(key.kind, scopeName(key), false)?.byId.get(idWithin(key))

  const read = async (keys: readonly RecordKey[]): Promise<readonly (StoredRecord | undefined)[]> => keys.map(find)

  const commit = async (writes: readonly RecordWrite[], options: CommitOptions = {}): Promise<CommitOutcome> => {
    const deletes = options.deletes ?? []
    const conflicts = [
      ...writes.filter((write) => (find(write.record)?.version ?? 0) !== write.expectedVersion).map((write) => recordId(write.record)),
      ...deletes.filter((d) => d.expectedVersion === 0 || find(d.key)?.version !== d.expectedVersion).map((d) => recordId(d.key)),
    ]
    if (conflicts.length > 0) return { ok: false, conflicts }
    for (const { key } of deletes) {
      const scope = scopeOf(key.kind, scopeName(key), false) as Scope
      const entry = scope.byId.get(idWithin(key)) as Entry
      scope.byId.delete(idWithin(key))
      scope.members[entry.position] = undefined
    }
    for (const write of writes) {
      const scope = scopeOf(write.record.kind, scopeName(write.record), true) as Scope
      const id = idWithin(write.record)
      const existing = scope.byId.get(id)
      const entry = new Entry(write.record, write.expectedVersion + 1, existing?.position ?? scope.members.length)
      scope.byId.set(id, entry)
      scope.members[entry.position] = entry
    }
    // Forget first: this commit's own changes naming the users stay.
    if (options.forgetChanges !== undefined && options.forgetChanges.length > 0) feed.forget(options.forgetChanges)
    if (options.changes !== undefined) feed.append(options.changes)
    return { ok: true }
  }

  const scan = async (request: ScanRequest): Promise<ScanPage> => {
    const all = scopesInOrder[request.kind] ?? []
    const wanted = request.appId !== undefined && appScoped(request.kind) ? all.filter((s) => s.name === request.appId) : all
    const [startScope, startOffset] = parseCursor(request.cursor)
    const page: StoredRecord[] = []
    for (let g = startScope; g < wanted.length; g++) {
      const members = (wanted[g] as Scope).members
      for (let i = g === startScope ? startOffset : 0; i < members.length; i++) {
        const member = members[i]
        if (member === undefined) continue
        if (page.length === request.limit) return { records: page, next: `${g}:${i}` }
        page.push(member)
      }
    }
    return { records: page, next: null }
  }

  return {
    capabilities: { sharedAcrossProcesses: false, durable: false },
    read,
    commit,
    scan,
    readChanges: async (request: ChangesRequest): Promise<readonly StoredChange[]> => feed.read(request),
    pruneChanges: async ({ before }) => feed.prune(before),
    close: async () => undefined,
  }
}

/** One version of one record, as stored and as handed out; never changed once made. */
class Entry implements StoredRecord {
  readonly #position: number
  constructor(
    readonly record: RegistryRecord,
    readonly version: number,
    position: number,
  ) {
    this.#position = position
  }
  /** Where the record stands in its scope's scan order. */
  get position(): number {
    return this.#position
  }
}

interface Scope {
  readonly name: string
  readonly byId: Map<string, Entry>
  /** In insertion order; `undefined` where a record was deleted. */
  readonly members: (Entry | undefined)[]
}

const appScoped = (kind: RecordKind): boolean => kind === 'registration' || kind === 'token' || kind === 'dispatch'

/** The scope of a record within its kind's table: its app, its contact kind, or none. */
const scopeName = (key: RecordKey | RegistryRecord): string => {
  switch (key.kind) {
    case 'registration':
    case 'token':
    case 'dispatch':
      return key.appId
    case 'user':
      return ''
    case 'contact':
      return key.contact
  }
}

/** The id of a record within its scope: the natural key it already holds. */
const idWithin = (key: RecordKey | RegistryRecord): string => {
  switch (key.kind) {
    case 'registration':
      return key.deviceId
    case 'token':
      return key.key
    case 'dispatch':
      return key.dispatchId
    case 'user':
      return key.userId
    case 'contact':
      return key.value
  }
}

const parseCursor = (cursor: string | undefined): [number, number] => {
  if (cursor === undefined) return [0, 0]
  const [scope, offset] = cursor.split(':').map(Number)
  return [scope ?? 0, offset ?? 0]
}
