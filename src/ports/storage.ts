import type { AppId, UserId } from '../domain/brand.js'
import type { IndexEntry, RegistrationEntry } from '../domain/index-entry.js'
import type { RecordKey, RecordKind, RegistryRecord } from '../domain/records.js'
import type {
  DailyCount,
  DailyCountDraft,
  DailyCountQuery,
  RecentDispatchQuery,
  RegistrationCount,
  RegistrationCountQuery,
  SummarisedDispatch,
} from './health-queries.js'
import type { IndexPage, RegistrationQuery, UserQuery, UserRow } from './index-queries.js'

/** A record as stored, with the version its last write gave it (1 for the first). */
export interface StoredRecord {
  readonly record: RegistryRecord
  readonly version: number
}

/** One conditional write: applies only if the stored version is `expectedVersion` (0: absent). */
export interface RecordWrite {
  readonly record: RegistryRecord
  readonly expectedVersion: number
  /**
   * The record's index entry, `indexEntryOf(record)`, which the registry derives and sends with
   * every write; `null` for a record the queries do not index. It replaces the record's previous
   * entry in the same atomic commit. A store that keeps no indexes ignores it; when it is absent
   * (a write not made by the registry), a store with indexes derives it with `indexEntryOf`.
   */
  readonly entry?: IndexEntry | null
}

/** One deletion: applies only if the stored version is `expectedVersion` (never 0: the record exists). */
export interface RecordDelete {
  readonly key: RecordKey
  readonly expectedVersion: number
}

/**
 * One record the commit's decision read and does not write: the commit applies only if the
 * record's stored version is still `expectedVersion` (0: still absent). A record deleted since
 * is a conflict, as a write would be. Honoured by stores whose `capabilities.checksReads` is
 * `true`; the registry sends none to other stores.
 */
export interface RecordRead {
  readonly key: RecordKey
  readonly expectedVersion: number
}

/** One change to append to the change feed, in the commit that made it. */
export interface ChangeDraft {
  /** When the registry committed it (its clock), in ms since the epoch: what retention prunes by. */
  readonly at: number
  /** The users the change names: erasure forgets the changes that name the erased user. */
  readonly users: readonly UserId[]
  /** The change itself: JSON-safe data, opaque to the store, returned deep-equal. */
  readonly change: unknown
}

/** A change as the feed holds it, with the cursor that resumes after it. */
export interface StoredChange extends ChangeDraft {
  readonly cursor: string
}

/** What a commit does besides its writes, in the same atomic step. */
export interface CommitOptions {
  /** Records to delete, checked like writes: a stale or missing one is a conflict. */
  readonly deletes?: readonly RecordDelete[]
  /**
   * Records read but not written, whose versions are checked like those of writes: a stale
   * one is a conflict, listed by id, and nothing applies. They name no record a write or a
   * deletion of the same commit names. Only for a store with `capabilities.checksReads`.
   */
  readonly reads?: readonly RecordRead[]
  /** Changes to append to the feed, in this order, after every change of every earlier commit. */
  readonly changes?: readonly ChangeDraft[]
  /** Users whose changes already in the feed are removed (erasure); this commit's own stay. */
  readonly forgetChanges?: readonly UserId[]
  /**
   * Daily counters to increment (invalidations and quarantines, derived from `changes`), in
   * the same atomic step. A store with `readDailyCounts` must apply them; one without ignores them.
   */
  readonly counts?: readonly DailyCountDraft[]
}

/** Where to read the feed from: after a cursor (absent: from the oldest change kept), at most `limit` changes. */
export interface ChangesRequest {
  readonly after?: string
  readonly limit: number
}

/**
 * Why a store refused a commit on the merits of what it was asked to write: a record it cannot
 * hold (too large for an index or an item, a value its engine rejects), or a commit too large
 * to run as one transaction. Not a conflict (another writer moved a record: re-reading cures
 * it) and not an outage (the store did not answer: the commit throws). The same writes on the
 * same records would be refused again.
 */
export interface CommitRefusal {
  /**
   * Why, in words a host can log and a client may read: the engine's limit, never a record's
   * values (they hold tokens, S2).
   */
  readonly reason: string
  /** The ids (`recordId`) of the records refused, when the store can tell; informative only. */
  readonly records?: readonly string[]
}

/**
 * The outcome of a commit: all writes applied; or none, and the ids of the records that moved
 * on (`conflicts`); or none, and why the store refuses these writes whoever else writes
 * (`refused`).
 */
export type CommitOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly conflicts: readonly string[] }
  | { readonly ok: false; readonly refused: CommitRefusal }

/** What to scan: one kind of record, optionally one app's, from a cursor on. */
export interface ScanRequest {
  readonly kind: RecordKind
  /** Only records of this app; ignored for kinds that belong to no app (`user`, `contact`). */
  readonly appId?: AppId
  /** The `next` of the previous page; absent for the first page. */
  readonly cursor?: string
  /** At most this many records. */
  readonly limit: number
}

export interface ScanPage {
  readonly records: readonly StoredRecord[]
  /** Where the next page starts; `null` when this page is the last. */
  readonly next: string | null
}

/** What an adapter can do beyond the contract; the registry and the kit read it. */
export interface StorageCapabilities {
  /** Commits are conditional across processes, so several registries may share the store. */
  readonly sharedAcrossProcesses: boolean
  /** Records survive a restart of the process. */
  readonly durable: boolean
  /**
   * `queryRegistrations` and `queryUsers` are answered from indexes the store keeps, at a cost
   * that grows with the answer rather than with the store. Absent or `false`: the store answers
   * them by scanning (or leaves them out, and the registry scans: `scanIndexQueries`).
   */
  readonly indexedQueries?: boolean
  /**
   * `commit` checks `CommitOptions.reads` (records read and not written) in the same atomic
   * step as its writes: a concurrent writer cannot change one of them between the check and
   * the commit. With it the registry decides from the records it committed or read recently
   * (its record cache) and lets the commit catch those another instance changed since. Absent
   * or `false`: the registry reads every record a decision needs from the store, as it always did.
   */
  readonly checksReads?: boolean
}

/**
 * The storage a registry runs on. Plain Promises and JSON-safe records: an adapter needs no
 * fp-ts. Records are opaque to the adapter: it stores what it is given and returns it
 * unchanged (deep-equal), indexed by `recordId` (`push-registry` exports it) and, for scans,
 * by kind and app.
 *
 * Contract (checked by `push-registry/testing`):
 * - `read(keys)` answers one entry per key, in the same order; `undefined` for a missing record.
 * - `commit(writes, { deletes })` is atomic and conditional: either every write and deletion
 *   applies (each written record then has version `expectedVersion + 1`, each deleted one is
 *   gone) or none does and the outcome lists the ids of the records whose stored version
 *   differed (a deletion of a missing record conflicts). No two writes, deletions or `reads`
 *   name the same record. With `capabilities.checksReads`, the `reads` (records the decision
 *   read and does not write) are checked in the same atomic step: one whose stored version is
 *   no longer `expectedVersion` (changed, deleted, or created since it was read absent) makes
 *   the commit apply nothing, and is listed among the conflicts. A deleted record reads as
 *   `undefined`, leaves scans, and can be created again (`expectedVersion` 0, version 1). A
 *   commit that throws may or may not have applied; the registry reads again before retrying, and
 *   re-applying inputs is harmless (I9).
 * - `scan` pages through every record of a kind (and app) that existed when the scan began,
 *   each exactly once, in an order the adapter chooses; records written during a scan may or
 *   may not appear. Cursors are opaque strings.
 * - The registry deletes records only to erase a user's personal data (`registry.erase`).
 * - The change feed: the `changes` of a commit are stored if and only if the commit applies,
 *   in the same atomic step, and each gets a cursor. `readChanges({ after })` answers the
 *   changes after that cursor in commit order: a commit's changes in the order given, a
 *   commit's after those of every commit that applied before it. Commit order is what readers
 *   can observe: once `readChanges` has answered a change, no change can later appear before
 *   it (a reader that resumes from a cursor never skips a change committed after it read).
 *   Across handles and processes of a shared store this holds too. `forgetChanges` removes
 *   the stored changes naming those users in the same commit; `pruneChanges({ before })`
 *   removes those whose `at` is earlier, and answers how many it removed. Cursors are opaque
 *   strings; a cursor whose change was pruned or forgotten still resumes after it.
 * - Index queries (optional; `scanIndexQueries(store)` answers them from `read` and `scan` for
 *   a store that has no indexes) answer over the index entries of the stored records, a
 *   record's entry being the `entry` of its last write (`indexEntryOf(record)`):
 *   - `queryRegistrations` pages through the registration entries that pass every filter of
 *     the query (see `RegistrationQuery`; `ownerStates` joins each entry's owners with the user
 *     entries); `queryUsers` pages through user entries, each with the registration entries
 *     whose `owners` name the user (of `apps`), sorted by app then device (`UserRow`).
 *   - Like `scan`, a query meets every entry that matched when it began and still matches,
 *     each exactly once, in an order the store chooses; entries written meanwhile may or may not
 *     appear. `next` is an opaque keyset cursor; a page holds at most `limit` entries and may
 *     hold fewer, even none, before the last (a store may stop at a page of candidates).
 *   - Times are compared as given: the registry turns the query's `now` into `reportedSince`
 *     (R19, D7), so a store never needs a clock.
 * - Token-health queries (optional; `scanHealthQueries(store)` answers them from `scan` and
 *   `readChanges` for a store without them, at the cost of a scan), for the operator page's
 *   overview. A store that has them answers from data it keeps up to date on every commit:
 *   - `countRegistrations({ appId, bounds })` counts the app's registration entries by token
 *     status, capability (of active tokens) and band of `reportedAt` between `bounds`
 *     (`RegistrationCount`), as the entries stand after the last commit.
 *   - `readDailyCounts({ appId, fromDay, toDay })` answers the app's daily counters of those
 *     days, each the sum of the `counts` of every applied commit (a commit that applies
 *     nothing counts nothing), in any order, none with count 0. Counters do not depend on the
 *     feed: pruning and forgetting changes leave them. A store keeps at least the last
 *     `dailyCountDays` days before the newest day it was given for the app, and may drop older ones.
 *   - `recentDispatches({ appId, limit })` answers the app's dispatch records that have
 *     `sends`, latest `sends.lastAt` first (equal times: greater dispatch id first), at most `limit`.
 * - A store may enforce domain invariants itself (the PostgreSQL adapter refuses two active
 *   registrations of one token in one app, I2). A commit that breaks one because of a
 *   concurrent writer is reported as a conflict; one that breaks it on its own is a defect of
 *   the caller and may throw.
 * - Three ways a commit applies nothing, and what the registry does with each:
 *   - `{ ok: false, conflicts }`: another writer got there first. The registry reads again and
 *     retries (with backoff, splitting its unit under sustained contention).
 *   - `{ ok: false, refused }`: the store will not hold these writes, whoever else writes (a
 *     record over an engine limit, a commit too large for one transaction). Retrying the same
 *     writes cannot help, so the registry splits the unit of inputs whose writes were refused,
 *     down to single inputs if need be, applies every part the store accepts, and rejects each
 *     input whose own writes are refused (rule S3, at the input's path, I11: it changes
 *     nothing). One such input never takes the rest of its batch down. Refuse only what is
 *     refused on its own merits: a refusal that is really an outage would turn every input
 *     of the unit into a rejection.
 *   - a thrown error: an outage or a defect (the store is unreachable, a constraint the caller
 *     broke by itself). The commit may or may not have applied; the registry raises a
 *     `StorageError` and applies nothing more of the batch.
 */
export interface StoragePort {
  readonly capabilities: StorageCapabilities
  readonly read: (keys: readonly RecordKey[]) => Promise<readonly (StoredRecord | undefined)[]>
  readonly commit: (writes: readonly RecordWrite[], options?: CommitOptions) => Promise<CommitOutcome>
  readonly scan: (request: ScanRequest) => Promise<ScanPage>
  /** The feed after `request.after`, oldest first, at most `limit` changes (fewer: caught up). */
  readonly readChanges: (request: ChangesRequest) => Promise<readonly StoredChange[]>
  /** Retention: removes the changes whose `at` is before `before`; answers how many. */
  readonly pruneChanges: (request: { readonly before: number }) => Promise<number>
  /** Registration entries passing a query's filters, a page at a time (see the contract above). */
  readonly queryRegistrations?: (query: RegistrationQuery) => Promise<IndexPage<RegistrationEntry>>
  /** Users, each with the registrations they own, a page at a time (see the contract above). */
  readonly queryUsers?: (query: UserQuery) => Promise<IndexPage<UserRow>>
  /** One app's registration entries counted by status, capability and `reportedAt` band (see above). */
  readonly countRegistrations?: (query: RegistrationCountQuery) => Promise<readonly RegistrationCount[]>
  /** One app's daily counters of some days (see above); a store that has it applies `CommitOptions.counts`. */
  readonly readDailyCounts?: (query: DailyCountQuery) => Promise<readonly DailyCount[]>
  /** One app's most recent dispatches that have a send summary (see above). */
  readonly recentDispatches?: (query: RecentDispatchQuery) => Promise<readonly SummarisedDispatch[]>
  /** Releases connections and handles; the store is not used afterwards. */
  readonly close: () => Promise<void>
}
