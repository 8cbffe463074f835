import type {
  Capability,
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
  UserQuery,
  UserRow,
} from 'push-registry'
import { indexEntryOf, recordId, recordIdWithin, recordScope, userRowOf } from 'push-registry'
import { createMemoryFeed } from './memory-feed.js'
import type { OwnerCells, UserCell } from './owned-index.js'
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
      // Only registration scopes have columns; the others share one empty list.
      const columns = kind === 'registration'
      scope = {
        name,
        byId: new Map(),
        members: [],
        entries: columns ? [] : noColumn(),
        ownerCells: columns ? [] : noColumn(),
        tokens: columns ? [] : noColumn(),
        reportedAt: columns ? [] : noColumn(),
      }
      table.set(name, scope)
      scopesInOrder[kind].push(scope)
    }
    return scope
  }

  const feed = createMemoryFeed()

  const find = (key: RecordKey | RegistryRecord): Entry | undefined =>
    scopeOf(key.kind, tableScope(key), false)?.byId.get(tableId(key))

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
      const scope = scopeOf(key.kind, tableScope(key), false) as Scope
      const entry = scope.byId.get(tableId(key)) as Entry
      scope.byId.delete(tableId(key))
      scope.members[entry.position] = undefined
      if (key.kind === 'registration') {
        indexAt(scope, entry.position, null, null)
      }
      if (key.kind === 'registration') {
        owned.replace(entry.indexed as RegistrationEntry | null, null)
        registrationCounts.replace(entry.indexed as RegistrationEntry | null, null)
      }
      if (key.kind === 'dispatch') recent.replace(entry.record as DispatchRecord, undefined)
      if (key.kind === 'user') owned.setState(key.userId, undefined)
    }
    writes.forEach((write, i) => {
      const scope = scopeOf(write.record.kind, tableScope(write.record), true) as Scope
      // A delete of this commit may have removed the entry looked up above.
      const before = deletes.length === 0 ? existing[i] : scope.byId.get(tableId(write.record))
      const indexed = write.entry === undefined ? indexEntryOf(write.record) : write.entry
      const entry = new Entry(write.record, write.expectedVersion + 1, before?.position ?? scope.members.length, indexed)
      if (write.record.kind === 'registration') {
        const cells = owned.replace(before?.indexed as RegistrationEntry | null | undefined, indexed as RegistrationEntry | null)
        indexAt(scope, before?.position ?? scope.members.length, indexed as RegistrationEntry | null, cells)
        registrationCounts.replace(before?.indexed as RegistrationEntry | null | undefined, indexed as RegistrationEntry | null)
      }
      if (write.record.kind === 'dispatch') recent.replace(before?.record as DispatchRecord | undefined, write.record)
      if (write.record.kind === 'user') owned.setState(write.record.userId, (indexed as UserEntry | null)?.subscription)
      scope.byId.set(tableId(write.record), entry)
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

  const queryRegistrations = async (query: RegistrationQuery): Promise<IndexPage<RegistrationEntry>> => {
    const all = scopesInOrder.registration
    const wanted = query.appId === undefined ? all : all.filter((s) => s.name === query.appId)
    const matches = registrationFilter(query)
    const entries: RegistrationEntry[] = []
    // Each scope's columns, not its members: a target stream looks at a million registrations,
    // and reads an entry only once its token state and owners' states (through their cells,
    // R11) let it through.
    const [startScope, startOffset] = parseCursor(query.after)
    const examinedMax = Math.max(query.limit, examinedPerPage)
    let examined = 0
    for (let g = startScope; g < wanted.length; g++) {
      const scope = wanted[g] as Scope
      const list = scope.entries
      for (let i = g === startScope ? startOffset : 0; i < list.length; i++) {
        if (entries.length >= query.limit || examined >= examinedMax) return { entries, next: `${g}:${i}` }
        examined++
        if (matches(scope, i)) entries.push(list[i] as RegistrationEntry)
      }
    }
    return { entries, next: null }
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
 * A registration query's filters as one function, with what it asks hoisted out of the loop: it
 * runs once per entry of a scan of up to a million. Means exactly what `registrationMatches`
 * means, with the owners' states read from their cells (an anonymous device's user is
 * `subscribed`, R11; one eligible owner is enough, R10).
 */
const registrationFilter = (query: RegistrationQuery): ((scope: Scope, i: number) => boolean) => {
  const { appId, active, ownerStates } = query
  const since = active?.reportedSince ?? null
  const before = active?.reportedBefore
  const capabilities = active === undefined ? activeAny : (active.capabilities ?? allCapabilities).reduce((bits, c) => bits | tokenCode(c), 0)
  const anonymousPasses = ownerStates === undefined || ownerStates.includes('subscribed')
  return (scope, i) => {
    const code = scope.tokens[i] as number
    if (code === noEntry) return false
    if (active !== undefined) {
      if ((code & capabilities) === 0) return false
      const at = scope.reportedAt[i] as number
      if (since !== null && at < since) return false
      if (before !== undefined && at >= before) return false
    }
    if (appId !== undefined && (scope.entries[i] as RegistrationEntry).appId !== appId) return false
    if (ownerStates === undefined) return true
    const cells = scope.ownerCells[i] as OwnerCells
    if (cells === null) return anonymousPasses
    if (!Array.isArray(cells)) return ownerStates.includes((cells as UserCell).state)
    for (const cell of cells as readonly UserCell[]) if (ownerStates.includes(cell.state)) return true
    return false
  }
}

/** A registration's token as one small integer: one bit per capability of an active token, 0 otherwise. */
const tokenCode = (capability: Capability): number =>
  capability === 'foreground' ? 1 : capability === 'provisional' ? 2 : 4

const allCapabilities = ['foreground', 'provisional', 'background'] as const
/** Every capability's bit: an `active` filter without capabilities. */
const activeAny = 7
/** The code of a position without an entry (none, or deleted); an inactive token is 0. */
const noEntry = -1

/**
 * Sets the columns of position `at` of a registration scope: the entry, its token code and
 * report time, its owners' cells. Positions are set in order (a new one is the next), so the
 * columns stay packed arrays.
 */
const indexAt = (scope: Scope, at: number, entry: RegistrationEntry | null, cells: OwnerCells): void => {
  const token = entry?.token
  scope.entries[at] = entry
  scope.ownerCells[at] = cells
  scope.tokens[at] = entry === null ? noEntry : token?.status === 'active' ? tokenCode(token.capability) : 0
  scope.reportedAt[at] = token?.status === 'active' ? token.reportedAt : 0
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
  /** Registration scopes: each member's index entry at its position (`null`: none, or deleted). */
  readonly entries: (RegistrationEntry | null)[]
  /** Registration scopes: the cells of each entry's owners, at its position. */
  readonly ownerCells: OwnerCells[]
  /** Registration scopes: each position's token code (see `tokenCode`, `noEntry`). */
  readonly tokens: number[]
  /** Registration scopes: each position's active token's `reportedAt` (0 when none). */
  readonly reportedAt: number[]
}

const appScoped = (kind: RecordKind): boolean => kind === 'registration' || kind === 'token' || kind === 'dispatch' || kind === 'delivery'

/**
 * The scope of a record in this store's tables: its app or contact kind (`recordScope`), but one
 * scope for all users' links and changelog entries (a scope per user would cost a map and its
 * lists per user, for records that are only read by key).
 */
const tableScope = (key: RecordKey | RegistryRecord): string => (key.kind === 'links' || key.kind === 'changelog' ? '' : recordScope(key))

/** A record's id within its {@link tableScope}. */
const tableId = (key: RecordKey | RegistryRecord): string | number => {
  switch (key.kind) {
    case 'links':
      return `${key.userId}\u0000${key.node}`
    case 'changelog':
      return `${key.userId}\u0000${key.seq}`
    default:
      return recordIdWithin(key)
  }
}

const sharedNoColumn: readonly never[] = Object.freeze([])
/** The columns of a scope that has none (never written: only registration scopes index entries). */
const noColumn = <A>(): A[] => sharedNoColumn as unknown as A[]

const parseCursor = (cursor: string | undefined): [number, number] => {
  if (cursor === undefined) return [0, 0]
  const [scope, offset] = cursor.split(':').map(Number)
  return [scope ?? 0, offset ?? 0]
}
