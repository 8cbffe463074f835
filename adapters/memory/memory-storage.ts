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
  UserRecord,
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
  // ids. A scope lists its records and their versions in insertion order, and maps each id to
  // its position; a deleted record leaves a hole there (erasure is rare), so an offset into the
  // list is a stable scan cursor. Records are immutable and replaced on write, and `read` hands
  // out a fresh `{ record, version }`: what a caller holds never changes under it, and the store
  // keeps no wrapper object per record (56 bytes each, three and more per registration).
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
      // Only registration scopes have columns (and the user scope its cells); the others share one empty list.
      const columns = kind === 'registration'
      scope = {
        name,
        byId: new Map(),
        records: [],
        versions: [],
        entries: columns ? [] : noColumn(),
        ownerCells: columns ? [] : noColumn(),
        userCells: kind === 'user' ? [] : noColumn(),
        tokens: columns ? [] : noColumn(),
        reportedAt: columns ? [] : noColumn(),
      }
      table.set(name, scope)
      scopesInOrder[kind].push(scope)
    }
    return scope
  }

  const feed = createMemoryFeed()

  /** A record's position in its scope, if stored. */
  const located = (key: RecordKey | RegistryRecord): { readonly scope: Scope; readonly at: number } | undefined => {
    const scope = scopeOf(key.kind, tableScope(key), false)
    const at = scope?.byId.get(tableId(key))
    return scope === undefined || at === undefined ? undefined : { scope, at }
  }

  /** A stored record as `read` and `scan` hand it out: a fresh object (the store keeps no wrapper per record). */
  const stored = (scope: Scope, at: number): StoredRecord => ({ record: scope.records[at] as RegistryRecord, version: scope.versions[at] as number })

  // `find` and `versionOf` run for every key read and every record committed: they look the
  // key up once and allocate nothing but the answer.
  const find = (key: RecordKey | RegistryRecord): StoredRecord | undefined => {
    const scope = scopeOf(key.kind, tableScope(key), false)
    const at = scope?.byId.get(tableId(key))
    return at === undefined ? undefined : stored(scope as Scope, at)
  }

  const versionOf = (key: RecordKey | RegistryRecord): number => {
    const scope = scopeOf(key.kind, tableScope(key), false)
    const at = scope?.byId.get(tableId(key))
    return at === undefined ? 0 : ((scope as Scope).versions[at] as number)
  }

  // The index: registration entries sit in their scope's columns (so a registration query walks
  // its app's columns, never records), and `owned` keeps per user their state and the entries
  // naming them among their owners (what both queries join).
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
    const conflicts: string[] = []
    // Each written record's position, found once for its version check and used again to write it.
    const positions: (number | undefined)[] = new Array<number | undefined>(writes.length)
    for (let w = 0; w < writes.length; w++) {
      const { record, expectedVersion } = writes[w] as RecordWrite
      const scope = scopeOf(record.kind, tableScope(record), false)
      const at = scope?.byId.get(tableId(record))
      positions[w] = at
      if ((at === undefined ? 0 : (scope as Scope).versions[at]) !== expectedVersion) conflicts.push(recordId(record))
    }
    for (const d of deletes) if (d.expectedVersion === 0 || versionOf(d.key) !== d.expectedVersion) conflicts.push(recordId(d.key))
    for (const r of options.reads ?? []) if (versionOf(r.key) !== r.expectedVersion) conflicts.push(recordId(r.key))
    if (conflicts.length > 0) return { ok: false, conflicts }
    for (const { key } of deletes) {
      const { scope, at } = located(key) as { readonly scope: Scope; readonly at: number }
      const record = scope.records[at]
      scope.byId.delete(tableId(key))
      scope.records[at] = undefined
      if (key.kind === 'registration') {
        const entry = scope.entries[at] ?? null
        indexAt(scope, at, null, null)
        owned.replace(entry, null)
        registrationCounts.replace(entry, null)
      }
      if (key.kind === 'dispatch') recent.replace(record as DispatchRecord, undefined)
      if (key.kind === 'user') {
        scope.userCells[at] = undefined
        owned.recordDeleted(key.userId)
      }
    }
    for (let w = 0; w < writes.length; w++) {
      const write = writes[w] as RecordWrite
      const scope = scopeOf(write.record.kind, tableScope(write.record), true) as Scope
      // Deletions above leave other positions as they were, and no deletion names a written record.
      const previous = positions[w]
      const at = previous ?? scope.records.length
      const indexed = write.entry === undefined ? indexEntryOf(write.record) : write.entry
      if (write.record.kind === 'registration') {
        const before = previous === undefined ? undefined : scope.entries[previous]
        const cells = owned.replace(before, indexed as RegistrationEntry | null)
        indexAt(scope, at, indexed as RegistrationEntry | null, cells)
        registrationCounts.replace(before, indexed as RegistrationEntry | null)
      }
      if (write.record.kind === 'dispatch') recent.replace(previous === undefined ? undefined : (scope.records[previous] as DispatchRecord), write.record)
      // A user's entry is their subscription state, which their cell keeps (queries build the entry).
      if (write.record.kind === 'user') scope.userCells[at] = owned.recordWritten(write.record.userId, (indexed as UserEntry | null)?.subscription ?? 'subscribed')
      if (previous === undefined) scope.byId.set(tableId(write.record), at)
      scope.records[at] = write.record
      scope.versions[at] = write.expectedVersion + 1
    }
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
      const scope = wanted[g] as Scope
      const records = scope.records
      for (let i = g === startScope ? startOffset : 0; i < records.length; i++) {
        if (records[i] === undefined) continue
        if (page.length === request.limit) return { records: page, next: `${g}:${i}` }
        page.push(stored(scope, i))
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
    const rowOf = (at: number | undefined): UserRow | null => {
      const user = at === undefined ? undefined : (users?.records[at] as UserRecord | undefined)
      if (user === undefined) return null
      // A walk visits every user: their cell is at their position (no look-up by id), and users
      // the query leaves out (another state, owning nothing) cost no allocation.
      const cell = users?.userCells[at as number] as UserCell
      if (query.states !== undefined && !query.states.includes(cell.state)) return null
      const held = cell.owned
      if (held === undefined && query.owning === true) return null
      const entry: UserEntry = { kind: 'user', userId: user.userId, subscription: cell.state }
      if (held === undefined || Array.isArray(held)) return userRowOf(entry, held ?? ownsNothing, query)
      // Most users own one registration: userRowOf's row, without its copy of a one-entry list.
      if (query.apps !== undefined && !query.apps.includes(held.appId)) return query.owning === true ? null : { user: entry, registrations: [] }
      return { user: entry, registrations: [held] }
    }
    if (query.userIds !== undefined) {
      const rows = [...new Set(query.userIds)].flatMap((id) => rowOf(users?.byId.get(id)) ?? [])
      return { entries: rows, next: null }
    }
    const entries: UserRow[] = []
    const next = walk(users === undefined ? [] : [users], query.after, query.limit, (at) => {
      const row = rowOf(at)
      if (row === null) return false
      entries.push(row)
      return true
    })
    return { entries, next }
  }

  return {
    capabilities: { sharedAcrossProcesses: false, durable: false, indexedQueries: true, checksReads: true },
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

/**
 * A registration query's filters as one function, with what it asks hoisted out of the loop: it
 * runs once per entry of a scan of up to a million. Means exactly what `registrationMatches`
 * means, with the owners' states read from their cells (an anonymous device's user is
 * `subscribed`, R11; one eligible owner is enough, R10).
 */
const registrationFilter = (query: RegistrationQuery): ((scope: Scope, i: number) => boolean) => {
  // No test of `appId`: the query walks that app's scope only (registrations are scoped by app).
  const { active, ownerStates } = query
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
const ownsNothing: readonly RegistrationEntry[] = []

const walk = (scopes: readonly Scope[], after: string | undefined, limit: number, take: (at: number) => boolean): string | null => {
  const [startScope, startOffset] = parseCursor(after)
  let kept = 0
  let examined = 0
  for (let g = startScope; g < scopes.length; g++) {
    const records = (scopes[g] as Scope).records
    for (let i = g === startScope ? startOffset : 0; i < records.length; i++) {
      if (kept >= limit || examined >= Math.max(limit, examinedPerPage)) return `${g}:${i}`
      examined++
      if (records[i] !== undefined && take(i)) kept++
    }
  }
  return null
}

interface Scope {
  readonly name: string
  /** Each record's position in the lists below. */
  readonly byId: Map<string | number, number>
  /** The records in insertion order; `undefined` where one was deleted (a position is a stable scan cursor). */
  readonly records: (RegistryRecord | undefined)[]
  /** Each position's version. */
  readonly versions: number[]
  /** Registration scopes: each member's index entry at its position (`null`: none, or deleted). */
  readonly entries: (RegistrationEntry | null)[]
  /** Registration scopes: the cells of each entry's owners, at its position. */
  readonly ownerCells: OwnerCells[]
  /** The user scope: each user's cell (state and owned entries) at their record's position. */
  readonly userCells: (UserCell | undefined)[]
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
