import type { RegistrationEntry } from '../domain/index-entry.js'
import { indexEntryOf } from '../domain/index-entry.js'
import type { RecordKey, RegistryRecord } from '../domain/records.js'
import { RecordMap } from '../domain/record-map.js'
import { recordId } from '../domain/records.js'
import type { World } from '../domain/world.js'
import type { IndexPage, RegistrationQuery, UserQuery, UserRow } from '../ports/index-queries.js'
import type {
  ChangesRequest,
  CommitOptions,
  CommitOutcome,
  RecordDelete,
  RecordRead,
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
import type { RecordCache } from './record-cache.js'
import type { RecordSource } from './pending-writes.js'

/**
 * The one place that calls the storage port: every throw or broken answer becomes a
 * `StorageError` naming the method.
 */
export const guardedStorage = (port: StoragePort, cache?: RecordCache) => {
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
    /** The registry's record cache, when it keeps one (on a store with `checksReads`). */
    cache,
    read: (keys: readonly RecordKey[]): Promise<readonly (StoredRecord | undefined)[]> =>
      call('read', async () => {
        const found = await port.read(keys)
        if (!Array.isArray(found) || found.length !== keys.length) {
          throw new Error(`read answered ${Array.isArray(found) ? found.length : 'a non-array'} entries for ${keys.length} keys`)
        }
        return found
      }),
    /** `ofBatch`: the commit of a unit too large for the record cache to take in (`cachedUnitLimit`). */
    commit: (writes: readonly RecordWrite[], options?: CommitOptions, ofBatch = false): Promise<CommitOutcome> =>
      call('commit', async () => {
        let outcome: unknown
        try {
          outcome = await (options === undefined ? port.commit(writes) : port.commit(writes, withCounts(options)))
          if (!isOutcome(outcome)) throw new Error('commit answered neither ok, nor conflicts, nor refused')
        } catch (error) {
          // It may or may not have applied: what it named is no longer known.
          cache?.forget(namedBy(writes, options))
          throw error
        }
        recordCommit(outcome.ok ? 'applied' : 'refused' in outcome ? 'refused' : 'conflict', options?.changes)
        // Every commit keeps the cache in line (ingest, erasure, sends): what applied is at its
        // next version, what conflicted is stale.
        if (outcome.ok) cache?.committed(writes, options?.deletes ?? [], ofBatch)
        else if ('conflicts' in outcome) cache?.forget(outcome.conflicts)
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

/** The ids of every record a commit names. */
const namedBy = (writes: readonly RecordWrite[], options: CommitOptions | undefined): string[] => [
  ...writes.map((write) => recordId(write.record)),
  ...[...(options?.deletes ?? []), ...(options?.reads ?? [])].map((named) => recordId(named.key)),
]

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
  /**
   * @param cache Where loads look first (records this registry read or committed recently, or
   *   what the commit of a batch's previous unit writes: `PendingWrites`), and what they tell of
   *   what they read; a record taken from it is checked by the commit (`reads`). Only on a store
   *   with `checksReads`.
   * @param remember Whether loads tell the cache what they read without looking in it first
   *   (a retry after a conflict reads everything afresh).
   */
  constructor(
    private readonly cache?: RecordSource,
    private readonly lookInCache = true,
  ) {}

  /** One slot per record this unit read or staged: a look-up finds both (the hot path of every transition). */
  private readonly slots = new RecordMap<Slot>()
  /** The slots of staged records, in the order they were first staged. */
  private readonly stagedSlots: Slot[] = []
  /** Records dropped (erasure), with their keys; a slot staged again is no longer dropped. */
  private readonly droppedSlots: { readonly key: RecordKey | RegistryRecord; readonly slot: Slot }[] = []
  private misses: RecordKey[] = []

  readonly get = (key: RecordKey): RegistryRecord | undefined => {
    const slot = this.slots.get(key)
    if (slot === undefined || (!slot.loaded && slot.staged === undefined)) {
      this.misses.push(key)
      return undefined
    }
    // A cached record the decision looked at is one the commit must check.
    if (slot.cached !== undefined) slot.used = true
    return slot.dropped ? undefined : (slot.staged ?? slot.stored?.record)
  }

  /** Whether the record was loaded (present or absent) or staged. */
  readonly has = (key: RecordKey): boolean => {
    const slot = this.slots.get(key)
    return slot !== undefined && (slot.loaded || slot.staged !== undefined)
  }

  /**
   * The keys read since the last call that this set had not loaded (answered as absent): a
   * transition that read them must be run again once they are loaded. What an input reads can
   * depend on records only it finds (a user's links, to recompute their latest opt-in).
   */
  takeMisses(): RecordKey[] {
    const misses = this.misses
    this.misses = []
    return misses
  }

  /** Whether this set has read the record (found or not). */
  isLoaded(key: RecordKey): boolean {
    return this.slots.get(key)?.loaded === true
  }

  missing(keys: readonly RecordKey[]): RecordKey[] {
    let out: RecordKey[] | undefined
    let seen: RecordMap<true> | undefined
    for (const key of keys) {
      if (this.slots.get(key)?.loaded === true || seen?.has(key) === true) continue
      ;(seen ??= new RecordMap()).set(key, true)
      ;(out ??= []).push(key)
    }
    return out ?? []
  }

  async load(storage: GuardedStorage, keys: readonly RecordKey[]): Promise<void> {
    this.takeCached(keys)
    const wanted = this.missing(keys)
    if (wanted.length === 0) return
    const found = await storage.read(wanted)
    wanted.forEach((key, i) => {
      this.loaded(key, found[i])
      this.cache?.remember(key, found[i])
    })
  }

  /**
   * Loads those of `keys` the cache holds, without reading the store; whether it loaded any.
   * What they say can make the others unnecessary (a known device names no user records).
   */
  takeCached(keys: readonly RecordKey[]): boolean {
    const cache = this.lookInCache ? this.cache : undefined
    if (cache === undefined || cache.size === 0) return false
    let took = false
    for (const key of keys) {
      if (this.slots.get(key)?.loaded === true) continue
      const cached = cache.get(key)
      if (cached === undefined) continue
      const slot = this.loaded(key, 'record' in cached ? cached : undefined)
      slot.cached = key
      took = true
    }
    return took
  }

  /**
   * The records taken from the cache that the decision looked at (`get`) and that this set
   * neither staged nor dropped, at the versions it took them at: the commit checks they are
   * still current (`CommitOptions.reads`). One taken and never looked at (asked for before
   * the registration said it was not needed: a known user's record) decided nothing, and is
   * not checked: each check locks a row.
   */
  reads(): RecordRead[] {
    const out: RecordRead[] = []
    for (const slot of this.slots.values()) {
      if (slot.cached !== undefined && slot.used && slot.staged === undefined && !slot.dropped) out.push({ key: slot.cached, expectedVersion: slot.stored?.version ?? 0 })
    }
    return out
  }

  /** Takes a record another read (a scan) already answered, as if this set had read it. */
  seed(stored: StoredRecord): void {
    this.loaded(stored.record, stored)
  }

  stage(records: readonly RegistryRecord[]): void {
    for (const record of records) {
      const slot = this.slotOf(record)
      if (slot.staged === undefined) this.stagedSlots.push(slot)
      slot.staged = record
      slot.dropped = false
    }
  }

  /** Deletes a record this set read and did not stage (erasure); it then reads as absent. */
  drop(key: RecordKey | RegistryRecord): void {
    const slot = this.slots.get(key)
    if (slot?.stored === undefined || slot.staged !== undefined || slot.dropped) return
    slot.dropped = true
    this.droppedSlots.push({ key, slot })
  }

  /** Whether anything is staged or dropped. */
  hasChanges(): boolean {
    return this.stagedSlots.length > 0 || this.deletes().length > 0
  }

  /** The deletions of dropped records, each conditional on the version read. */
  deletes(): RecordDelete[] {
    return this.droppedSlots.flatMap(({ key, slot }) => (slot.dropped ? [{ key: key as RecordKey, expectedVersion: slot.stored?.version ?? 0 }] : []))
  }

  /** The record as it was read, before this unit of work. */
  original(key: RecordKey | RegistryRecord): RegistryRecord | undefined {
    return this.slots.get(key)?.stored?.record
  }

  changed(): RegistryRecord[] {
    return this.stagedSlots.map((slot) => slot.staged as RegistryRecord)
  }

  writes(): RecordWrite[] {
    // The index entry travels with its record, so the store commits both at once.
    return this.stagedSlots.map((slot) => {
      const record = slot.staged as RegistryRecord
      return { record, expectedVersion: slot.stored?.version ?? 0, entry: indexEntryOf(record) }
    })
  }

  private loaded(key: RecordKey | RegistryRecord, stored: StoredRecord | undefined): Slot {
    const slot = this.slotOf(key)
    slot.loaded = true
    slot.stored = stored
    return slot
  }

  private slotOf(key: RecordKey | RegistryRecord): Slot {
    let slot = this.slots.get(key)
    if (slot === undefined) this.slots.set(key, (slot = { loaded: false, stored: undefined, staged: undefined, dropped: false, cached: undefined, used: false }))
    return slot
  }
}

/** What a working set knows of one record: whether it was read, as what, and what is staged for it. */
interface Slot {
  loaded: boolean
  stored: StoredRecord | undefined
  staged: RegistryRecord | undefined
  /** To be deleted by the commit (erasure). */
  dropped: boolean
  /** The key, when the record was taken from the cache (and is checked by the commit if used). */
  cached: RecordKey | undefined
  /** Whether a look-up (`get`) answered it. */
  used: boolean
}
