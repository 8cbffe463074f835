import type { RegistrationEntry } from '../domain/index-entry.js'
import { indexEntryOf } from '../domain/index-entry.js'
import type { RecordKey, RegistryRecord } from '../domain/records.js'
import { RecordMap } from '../domain/record-map.js'
import type { World } from '../domain/world.js'
import type { IndexPage, RegistrationQuery, UserQuery, UserRow } from '../ports/index-queries.js'
import type {
  ChangesRequest,
  CommitOptions,
  CommitOutcome,
  RecordWrite,
  ScanPage,
  ScanRequest,
  StoragePort,
  StoredChange,
  StoredRecord,
} from '../ports/storage.js'
import { StorageError } from './errors.js'
import { scanIndexQueries } from './scan-index-queries.js'
import { scanHealthQueries } from './scan-health-queries.js'
import { dailyIncrementsOf } from '../domain/token-health.js'
import type { DailyCountQuery, RecentDispatchQuery, RegistrationCountQuery } from '../ports/health-queries.js'
import { recordCommit } from './telemetry.js'

/**
 * The one place that calls the storage port: every throw or broken answer becomes a
 * `StorageError` naming the method.
 */
export const guardedStorage = (port: StoragePort) => {
  const call = async <A>(method: StorageError['method'], run: () => Promise<A>): Promise<A> => {
    try {
      return await run()
    } catch (error) {
      throw error instanceof StorageError ? error : new StorageError(method, error)
    }
  }
  // A store without index queries is answered by scanning it (the port's documented fallback).
  const fallback = scanIndexQueries(port)
  const queryRegistrations = port.queryRegistrations?.bind(port) ?? fallback.queryRegistrations
  const queryUsers = port.queryUsers?.bind(port) ?? fallback.queryUsers
  const health = scanHealthQueries(port)
  const countRegistrations = port.countRegistrations?.bind(port) ?? health.countRegistrations
  const readDailyCounts = port.readDailyCounts?.bind(port) ?? health.readDailyCounts
  const recentDispatches = port.recentDispatches?.bind(port) ?? health.recentDispatches
  return {
    capabilities: port.capabilities,
    read: (keys: readonly RecordKey[]): Promise<readonly (StoredRecord | undefined)[]> =>
      call('read', async () => {
        const found = await port.read(keys)
        if (!Array.isArray(found) || found.length !== keys.length) {
          throw new Error(`read answered ${Array.isArray(found) ? found.length : 'a non-array'} entries for ${keys.length} keys`)
        }
        return found
      }),
    commit: (writes: readonly RecordWrite[], options?: CommitOptions): Promise<CommitOutcome> =>
      call('commit', async () => {
        const outcome = await (options === undefined ? port.commit(writes) : port.commit(writes, withCounts(options)))
        if (!isOutcome(outcome)) throw new Error('commit answered neither ok, nor conflicts, nor refused')
        recordCommit(outcome.ok ? 'applied' : 'refused' in outcome ? 'refused' : 'conflict', options?.changes)
        return outcome
      }),
    scan: (request: ScanRequest): Promise<ScanPage> => call('scan', () => port.scan(request)),
    readChanges: (request: ChangesRequest): Promise<readonly StoredChange[]> =>
      call('readChanges', async () => {
        const changes = await port.readChanges(request)
        if (!Array.isArray(changes) || changes.length > request.limit) {
          throw new Error(`readChanges answered ${Array.isArray(changes) ? changes.length : 'a non-array'} changes for a limit of ${request.limit}`)
        }
        return changes
      }),
    pruneChanges: (request: { readonly before: number }): Promise<number> => call('pruneChanges', () => port.pruneChanges(request)),
    queryRegistrations: (query: RegistrationQuery): Promise<IndexPage<RegistrationEntry>> =>
      call('queryRegistrations', () => queryRegistrations(query)),
    queryUsers: (query: UserQuery): Promise<IndexPage<UserRow>> => call('queryUsers', () => queryUsers(query)),
    countRegistrations: (query: RegistrationCountQuery) => call('countRegistrations', () => countRegistrations(query)),
    readDailyCounts: (query: DailyCountQuery) => call('readDailyCounts', () => readDailyCounts(query)),
    recentDispatches: (query: RecentDispatchQuery) => call('recentDispatches', () => recentDispatches(query)),
    close: (): Promise<void> => call('close', () => port.close()),
  }
}

/**
 * The commit's daily counters, derived from its changes: the one place they are computed, so
 * every commit that appends an invalidation or a quarantine (ingest, erasure) counts it in the
 * same atomic step.
 */
const withCounts = (options: CommitOptions): CommitOptions => {
  const counts = options.changes === undefined ? [] : dailyIncrementsOf(options.changes)
  return counts.length === 0 ? options : { ...options, counts }
}

/** A commit's answer as the port defines it; anything else is a broken adapter. */
const isOutcome = (outcome: unknown): outcome is CommitOutcome => {
  if (typeof outcome !== 'object' || outcome === null) return false
  const o = outcome as Record<string, unknown>
  if (o['ok'] === true) return true
  if (o['ok'] !== false) return false
  const refused = o['refused']
  return Array.isArray(o['conflicts']) || (typeof refused === 'object' && refused !== null && typeof (refused as Record<string, unknown>)['reason'] === 'string')
}

export type GuardedStorage = ReturnType<typeof guardedStorage>

/**
 * The records one unit of work has read, and what it staged to write. It is the `World` the
 * pure transitions see; nothing reaches the store until `writes()` is committed.
 */
export class WorkingSet implements World {
  private readonly loaded = new RecordMap<StoredRecord | undefined>()
  private readonly staged = new RecordMap<RegistryRecord>()
  /** What `get` answers: the staged record, else the loaded one (one look-up instead of two). */
  private readonly current = new RecordMap<RegistryRecord | undefined>()

  readonly get = (key: RecordKey): RegistryRecord | undefined => this.current.get(key)

  missing(keys: readonly RecordKey[]): RecordKey[] {
    let out: RecordKey[] | undefined
    let seen: RecordMap<true> | undefined
    for (const key of keys) {
      if (this.loaded.has(key) || seen?.has(key) === true) continue
      ;(seen ??= new RecordMap()).set(key, true)
      ;(out ??= []).push(key)
    }
    return out ?? []
  }

  async load(storage: GuardedStorage, keys: readonly RecordKey[]): Promise<void> {
    const wanted = this.missing(keys)
    if (wanted.length === 0) return
    const found = await storage.read(wanted)
    wanted.forEach((key, i) => {
      const stored = found[i]
      this.loaded.set(key, stored)
      if (!this.staged.has(key)) this.current.set(key, stored?.record)
    })
  }

  /** Takes a record another read (a scan) already answered, as if this set had read it. */
  seed(stored: StoredRecord): void {
    this.loaded.set(stored.record, stored)
    if (!this.staged.has(stored.record)) this.current.set(stored.record, stored.record)
  }

  stage(records: readonly RegistryRecord[]): void {
    for (const record of records) {
      this.staged.set(record, record)
      this.current.set(record, record)
    }
  }

  /** The record as it was read, before this unit of work. */
  original(key: RecordKey | RegistryRecord): RegistryRecord | undefined {
    return this.loaded.get(key)?.record
  }

  changed(): RegistryRecord[] {
    return [...this.staged.values()]
  }

  writes(): RecordWrite[] {
    // The index entry travels with its record, so the store commits both at once.
    return this.staged.values().map((record) => ({ record, expectedVersion: this.loaded.get(record)?.version ?? 0, entry: indexEntryOf(record) }))
  }
}
