import type {
  DailyCount,
  DailyCountQuery,
  DispatchRecord,
  RecentDispatchQuery,
  RegistrationCount,
  RegistrationCountQuery,
  SummarisedDispatch,
  ChangesRequest,
  CommitOptions,
  CommitOutcome,
  IndexEntry,
  IndexPage,
  RecordKey,
  RecordKind,
  RecordWrite,
  RegistrationEntry,
  RegistrationQuery,
  RegistryRecord,
  ScanPage,
  ScanRequest,
  StoragePort,
  StoredChange,
  StoredRecord,
  UserEntry,
  UserId,
  UserQuery,
  UserRow,
} from 'push-registry'
import { indexEntryOf, recordId, recordIdWithin, recordScope, registrationMatches, userRowOf } from 'push-registry'
import { createMemoryFeed } from './memory-feed.js'
import { OwnedIndex } from './owned-index.js'
import { DailyCounts } from './daily-counts.js'
import { RecentDispatches } from './recent-dispatches.js'
import { RegistrationCounts } from './registration-counts.js'

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
    delivery: new Map(),
    changelog: new Map(),
    links: new Map(),
  }
  const scopesInOrder: Readonly<Record<RecordKind, Scope[]>> = {
    registration: [],
    token: [],
    user: [],
    dispatch: [],
    contact: [],
    delivery: [],
    changelog: [],
    links: [],
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
    scopeOf(key.kind, recordScope(key), false)?.byId.get(recordIdWithin(key))

  // The index: each record's entry sits on its stored version (so a registration query walks its
  // app's list of registrations and reads entries, never records), and `owned` lists, per user,
  // the registration entries naming them among their owners (what a user query joins).
  const owned = new OwnedIndex()
  // The overview's counters, kept with every commit (never a walk of the entries per question):
  // registrations by app, status, capability and sorted `reportedAt`; daily invalidations and
  // quarantines; each app's summarised dispatches, latest first.
  const registrationCounts = new RegistrationCounts()
  const dailyCounts = new DailyCounts()
  const recent = new RecentDispatches()

  const read = async (keys: readonly RecordKey[]): Promise<readonly (StoredRecord | undefined)[]> => keys.map(find)

  const commit = async (writes: readonly RecordWrite[], options: CommitOptions = {}): Promise<CommitOutcome> => {
    const deletes = options.deletes ?? []
    // Each write's current entry is looked up once, for the version check and for the write.
    const existing = writes.map((write) => find(write.record))
    const conflicts: string[] = []
    writes.forEach((write, i) => {
      if ((existing[i]?.version ?? 0) !== write.expectedVersion) conflicts.push(recordId(write.record))
    })
    for (const d of deletes) if (d.expectedVersion === 0 || find(d.key)?.version !== d.expectedVersion) conflicts.push(recordId(d.key))
    if (conflicts.length > 0) return { ok: false, conflicts }
    for (const { key } of deletes) {
      const scope = scopeOf(key.kind, recordScope(key), false) as Scope
      const entry = scope.byId.get(recordIdWithin(key)) as Entry
      scope.byId.delete(recordIdWithin(key))
      scope.members[entry.position] = undefined
      if (key.kind === 'registration') {
        owned.replace(entry.indexed as RegistrationEntry | null, null)
        registrationCounts.replace(entry.indexed as RegistrationEntry | null, null)
      }
      if (key.kind === 'dispatch') recent.replace(entry.record as DispatchRecord, undefined)
    }
    writes.forEach((write, i) => {
      const scope = scopeOf(write.record.kind, recordScope(write.record), true) as Scope
      // A delete of this commit may have removed the entry looked up above.
      const before = deletes.length === 0 ? existing[i] : scope.byId.get(recordIdWithin(write.record))
      const indexed = write.entry === undefined ? indexEntryOf(write.record) : write.entry
      const entry = new Entry(write.record, write.expectedVersion + 1, before?.position ?? scope.members.length, indexed)
      if (write.record.kind === 'registration') {
        owned.replace(before?.indexed as RegistrationEntry | null | undefined, indexed as RegistrationEntry | null)
        registrationCounts.replace(before?.indexed as RegistrationEntry | null | undefined, indexed as RegistrationEntry | null)
      }
      if (write.record.kind === 'dispatch') recent.replace(before?.record as DispatchRecord | undefined, write.record)
      scope.byId.set(recordIdWithin(write.record), entry)
      scope.members[entry.position] = entry
    })
    // Forget first: this commit's own changes naming the users stay.
    if (options.forgetChanges !== undefined && options.forgetChanges.length > 0) feed.forget(options.forgetChanges)
    if (options.changes !== undefined) feed.append(options.changes)
    if (options.counts !== undefined) dailyCounts.add(options.counts)
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

  const stateOf = (userId: UserId): UserEntry['subscription'] =>
    (tables.user.get('')?.byId.get(userId)?.indexed as UserEntry | null | undefined)?.subscription ?? 'subscribed'

  const queryRegistrations = async (query: RegistrationQuery): Promise<IndexPage<RegistrationEntry>> => {
    const all = scopesInOrder.registration
    const wanted = query.appId === undefined ? all : all.filter((s) => s.name === query.appId)
    const entries: RegistrationEntry[] = []
    const next = walk(wanted, query.after, query.limit, (member) => {
      const entry = member.indexed as RegistrationEntry | null
      if (entry === null || !registrationMatches(entry, query, stateOf)) return false
      entries.push(entry)
      return true
    })
    return { entries, next }
  }

  const queryUsers = async (query: UserQuery): Promise<IndexPage<UserRow>> => {
    const users = tables.user.get('')
    const rowOf = (member: Entry | undefined): UserRow | null =>
      member === undefined ? null : userRowOf(member.indexed as UserEntry, owned.of((member.indexed as UserEntry).userId), query)
    if (query.userIds !== undefined) {
      const rows = [...new Set(query.userIds)].flatMap((id) => rowOf(users?.byId.get(id)) ?? [])
      return { entries: rows, next: null }
    }
    const entries: UserRow[] = []
    const next = walk(users === undefined ? [] : [users], query.after, query.limit, (member) => {
      const row = rowOf(member)
      if (row === null) return false
      entries.push(row)
      return true
    })
    return { entries, next }
  }

  return {
    capabilities: { sharedAcrossProcesses: false, durable: false, indexedQueries: true },
    read,
    commit,
    scan,
    readChanges: async (request: ChangesRequest): Promise<readonly StoredChange[]> => feed.read(request),
    pruneChanges: async ({ before }) => feed.prune(before),
    queryRegistrations,
    queryUsers,
    countRegistrations: async (query: RegistrationCountQuery): Promise<readonly RegistrationCount[]> => registrationCounts.count(query.appId, query.bounds),
    readDailyCounts: async (query: DailyCountQuery): Promise<readonly DailyCount[]> => dailyCounts.read(query),
    recentDispatches: async (query: RecentDispatchQuery): Promise<readonly SummarisedDispatch[]> => recent.recent(query.appId, query.limit),
    close: async () => undefined,
  }
}

/** One version of one record, as stored and as handed out; never changed once made. */
class Entry implements StoredRecord {
  readonly #position: number
  readonly #indexed: IndexEntry | null
  constructor(
    readonly record: RegistryRecord,
    readonly version: number,
    position: number,
    indexed: IndexEntry | null,
  ) {
    this.#position = position
    this.#indexed = indexed
  }
  /** Where the record stands in its scope's scan order. */
  get position(): number {
    return this.#position
  }
  /** The record's index entry (private fields keep it out of what `read` hands out). */
  get indexed(): IndexEntry | null {
    return this.#indexed
  }
}

/**
 * How many stored versions one page of an index query looks at, at most: a query whose filter
 * keeps few entries (idle targets) answers short pages rather than walking a whole app at once.
 */
const examinedPerPage = 65_536

/**
 * Walks the members of `scopes` from a cursor, offering each to `take` (which says whether it
 * kept it), until `limit` were kept or `examinedPerPage` looked at; answers the next cursor.
 */
const walk = (scopes: readonly Scope[], after: string | undefined, limit: number, take: (member: Entry) => boolean): string | null => {
  const [startScope, startOffset] = parseCursor(after)
  let kept = 0
  let examined = 0
  for (let g = startScope; g < scopes.length; g++) {
    const members = (scopes[g] as Scope).members
    for (let i = g === startScope ? startOffset : 0; i < members.length; i++) {
      if (kept >= limit || examined >= Math.max(limit, examinedPerPage)) return `${g}:${i}`
      examined++
      const member = members[i]
      if (member !== undefined && take(member)) kept++
    }
  }
  return null
}

interface Scope {
  readonly name: string
  readonly byId: Map<string | number, Entry>
  /** In insertion order; `undefined` where a record was deleted. */
  readonly members: (Entry | undefined)[]
}

const appScoped = (kind: RecordKind): boolean => kind === 'registration' || kind === 'token' || kind === 'dispatch' || kind === 'delivery'

const parseCursor = (cursor: string | undefined): [number, number] => {
  if (cursor === undefined) return [0, 0]
  const [scope, offset] = cursor.split(':').map(Number)
  return [scope ?? 0, offset ?? 0]
}
