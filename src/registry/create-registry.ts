import { EventEmitter } from 'eventemitter3'
import * as E from 'fp-ts/lib/Either.js'
import { decodeConfig } from '../codecs/config.js'
import { inputCodecs } from '../codecs/inputs.js'
import type { Limits } from '../codecs/limits.js'
import { defaultLimits } from '../codecs/limits.js'
import type { App } from '../domain/app.js'
import type { AppId, DispatchId, Instant, UserId } from '../domain/brand.js'
import type { ChangelogEntry } from '../domain/changelog.js'
import type { AppPolicy, Duration, PolicyOverrides } from '../domain/policy.js'
import { resolvePolicy } from '../domain/policy.js'
import type { Segment } from '../domain/segment.js'
import type { Catalog } from '../domain/world.js'
import type { Clock } from '../ports/clock.js'
import { systemClock } from '../ports/clock.js'
import type { StoragePort } from '../ports/storage.js'
import type { ChangesOptions, RegistryChange } from './change-feed.js'
import { CommitBell, readChanges } from './change-feed.js'
import type { EraseReport } from './erase.js'
import { erase } from './erase.js'
import { RegistryConfigError } from './errors.js'
import type { PendingEvent, RegistryEvents } from './events.js'
import type { IngestReport } from './ingest.js'
import { ingest } from './ingest.js'
import type { DispatchStats, Eligibility, IdleTarget, Profile, QueryDeps, ReadScope, RegistrationSummary, Target, UserExport } from './queries.js'
import * as q from './queries.js'
import type { PagedIterable } from './query-stream.js'
import { decodeRetention, Retention } from './retention.js'
import { measureErase, measureIngest, measureQuery, measureRecordSend, measureStream, recordTokenEvents } from './telemetry.js'
import { guardedStorage } from './store.js'
import { defaultRecordCacheSize, RecordCache } from './record-cache.js'
import type { SendRecord, SendRecordReport } from './record-send.js'
import { recordSend } from './record-send.js'
import type { TokenHealth, TokenHealthOptions } from './token-health.js'
import { tokenHealth } from './token-health.js'

/** An app as the host configures it: plain strings, checked by `createRegistry`. */
export type AppConfig = Omit<App, 'appId'> & { readonly appId: string }

/**
 * Per-app policy overrides as the host writes them: durations in milliseconds or as text
 * (`"30d"`, `"12h"`, ISO-8601 `"P270D"`), checked by `createRegistry`.
 */
export type PolicyOptions = Omit<PolicyOverrides, 'staleAfter' | 'expireAfter'> & {
  readonly staleAfter?: Duration | string
  readonly expireAfter?: Duration | string | null
}

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** The apps this registry serves (R4). Inputs naming any other app are rejected (S3). */
  readonly apps: readonly AppConfig[]
  /** Where records live: `createMemoryStorage()` from `push-registry/memory`, or your adapter. */
  readonly storage: StoragePort
  /** The time queries are answered at (R19, D7). Default: the system clock. */
  readonly clock?: Clock
  /** Per-app policy overrides, keyed by `appId` (R10, R12, R18, R19). */
  readonly policy?: Readonly<Record<string, PolicyOptions>>
  /** Boundary limits (S1, S3). Default: {@link defaultLimits}. */
  readonly limits?: Partial<Limits>
  /** Commit attempts for one input under contention before `ingest` rejects with `ContentionError`. Default 16. */
  readonly maxCommitAttempts?: number
  /**
   * How long the change feed keeps a change (D14): milliseconds or text (`"30d"`, `"P7D"`).
   * Default 30 days. A reader that falls further behind misses what was pruned.
   */
  readonly changeRetention?: Duration | string
  /**
   * How many records the registry keeps, with their versions, from what it read and committed
   * recently (least recently used out), so that the common input about a device it saw lately
   * is decided without reading the store and committed in one round trip. Its commit checks
   * the cached records it relied on are still current, so several instances on one store stay
   * correct: a record another changed makes the commit conflict and the input is applied again
   * from fresh reads. Used only on a store whose `capabilities.checksReads` is `true`. Memory:
   * about this many records (a registration is a few KB at most, D14). `0` turns it off.
   * Default {@link defaultRecordCacheSize} (10,000).
   */
  readonly recordCacheSize?: number
}

/** The registry: ingest inputs, answer a sender's questions, listen to what changed. */
export interface Registry {
  /**
   * Validates and applies one input or a batch (at most `maxBatchSize`). Never throws for bad
   * input: rejected inputs are in the report and changed nothing (I11). Rejects only when the
   * storage fails (`StorageError`) or stays contended (`ContentionError`).
   */
  readonly ingest: (input: unknown) => Promise<IngestReport>
  /**
   * Every known registration, or one app's, with its state at the time of the call, streamed
   * from the store's index (an async iterable: `for await`, or `collect` for small answers).
   */
  readonly registrations: (appId?: string) => PagedIterable<RegistrationSummary>
  /** R21–R24: the users in a segment now, each once, streamed; with `scope`, only its apps' registrations count (R4, I8). */
  readonly segment: (segment: Segment, scope?: ReadScope) => AsyncIterable<UserId>
  /**
   * R21–R24: those of `userIds` who are in a segment now, each once, in the order given; with
   * `scope`, only its apps' registrations count. One store query: the caller bounds the list
   * (a dispatch asks for one page of targets' owners at a time).
   */
  readonly segmentMembers: (segment: Segment, userIds: readonly string[], scope?: ReadScope) => Promise<UserId[]>
  /** R27, I6: where a default (or overridden) send of `kind` to `appId` would go now, streamed. */
  readonly targets: (query: { readonly appId: string; readonly kind: 'alert' | 'background'; readonly eligibility?: Eligibility }) => PagedIterable<Target>
  /** R25: a user's profile, or `null` if the user is unknown; with `scope`, only its apps' devices and changelog. */
  readonly profile: (userId: string, scope?: ReadScope) => Promise<Profile | null>
  /** R26: exports of the given users (unknown ids are left out); with `scope`, only its apps' tokens. The caller bounds the list. */
  readonly exportUsers: (userIds: readonly string[], scope?: ReadScope) => Promise<UserExport[]>
  /** R26: a segment's exports, streamed; `scope` narrows both the segment and the exports. */
  readonly exportSegment: (segment: Segment, scope?: ReadScope) => AsyncIterable<UserExport>
  /** D11: the user who holds an email address or phone number, or `null`. */
  readonly lookup: (query: { readonly email: string } | { readonly phone: string }) => Promise<UserId | null>
  /** R9: a user's token changelog, oldest first. */
  readonly changelog: (userId: string, scope?: ReadScope) => Promise<ChangelogEntry[]>
  /** The SDK's received / opened counts of one dispatch (`delivery_reported`), or `null` if unknown. */
  readonly dispatchStats: (query: { readonly appId: string; readonly dispatchId: string }) => Promise<DispatchStats | null>
  /**
   * One app's token health now: registrations by status and capability (R19, D7), invalidations
   * and quarantines per day by reason, and the latest dispatches with their statistics; `null`
   * for an app the registry does not serve. Answered from the store's counters (see
   * docs/architecture.md), not from a scan, on a store that keeps them.
   */
  readonly tokenHealth: (appId: string, options?: TokenHealthOptions) => Promise<TokenHealth | null>
  /**
   * Adds one send's provider-side counts (targeted, sent, delivered, dead, quarantined) to its
   * dispatch record; the dispatcher calls it when a send ends. The same `runId` counts once.
   * A summary that cannot be recorded is refused with issues (S3) and changes nothing.
   */
  readonly recordSend: (send: SendRecord) => Promise<SendRecordReport>
  /** R14, R19: live tokens of an app last reported before `seenBefore` (ms since the epoch), streamed. */
  readonly idleTargets: (query: { readonly appId: string; readonly seenBefore: number }) => PagedIterable<IdleTarget>
  /**
   * The durable change feed: every change of state (token, capability, subscription and
   * opt-in changes, invalidations, quarantines, erasures) in commit order, each with a cursor
   * to resume after. Every instance sharing the store sees it; a change is in it once its
   * commit is, never before. Tokens are redacted (S2). See docs/architecture.md.
   */
  readonly changes: (options?: ChangesOptions) => AsyncIterable<RegistryChange>
  /**
   * Retention (D14): removes the feed's changes committed before `before` (ms since the
   * epoch; default: now minus `changeRetention`). The registry also does this on its own,
   * at most once an hour while it commits.
   */
  readonly pruneChanges: (options?: { readonly before?: number }) => Promise<{ readonly pruned: number }>
  /**
   * Erases a user's personal data everywhere (see docs/architecture.md): their user record,
   * their claims on contact addresses, the feed's changes naming them, and their ownership of
   * registrations (the facts naming them name no one; tokens only they owned end, reason
   * `erased`). Resumable and idempotent: erasing again after a crash finishes the job; erasing
   * an erased or unknown user changes nothing (`erased: false`). A later input naming the user
   * makes them a new user.
   */
  readonly erase: (userId: string) => Promise<EraseReport>
  /** Listens to an event; emitted only after the store committed its cause (the same data as the feed, this instance's commits only). */
  readonly on: <K extends keyof RegistryEvents>(name: K, listener: (...args: RegistryEvents[K]) => void) => () => void
  /** The apps and resolved policies the registry runs with. */
  readonly apps: readonly (App & { readonly policy: AppPolicy })[]
  /** Closes the storage. */
  readonly close: () => Promise<void>
}

/**
 * Builds a registry over a storage port.
 *
 * @example
 * ```ts
 * import { createRegistry } from 'push-registry'
 * import { createMemoryStorage } from 'push-registry/memory'
 *
 * const registry = createRegistry({
 *   apps: [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }],
 *   storage: createMemoryStorage(),
 * })
 * await registry.ingest({ type: 'user_changed', at: '2026-01-02T00:00:00Z', appId: 'ios', deviceId: 'phone-1', userId: 'kim' })
 * for await (const target of registry.targets({ appId: 'ios', kind: 'alert' })) console.log(target.deviceId)
 * ```
 * @throws RegistryConfigError when the options cannot work (no apps, duplicate ids, bad policy).
 */
export const createRegistry = (options: RegistryOptions): Registry => {
  const config = decodeConfig(options.apps, options.policy)
  if (E.isLeft(config)) throw new RegistryConfigError(config.left)
  const retention = decodeRetention(options.changeRetention)
  if (E.isLeft(retention)) throw new RegistryConfigError(retention.left)
  const limits: Limits = { ...defaultLimits, ...options.limits }
  const apps = new Map(config.right.apps.map((app) => [app.appId, app]))
  const policies = new Map(config.right.apps.map((app) => [app.appId, resolvePolicy(app, config.right.policy[app.appId])]))
  const catalog: Catalog = {
    app: (appId) => apps.get(appId),
    policy: (appId) => policies.get(appId) ?? resolvePolicy({ appId, name: appId, platform: 'ios' }),
  }
  const clock = options.clock ?? systemClock
  const cacheSize = options.recordCacheSize ?? defaultRecordCacheSize
  if (!Number.isInteger(cacheSize) || cacheSize < 0) {
    throw new RegistryConfigError([{ path: 'recordCacheSize', rule: 'D14', message: `must be a whole number of records, 0 or more (got ${String(cacheSize)})` }])
  }
  // Only where commits check what was read: deciding from a stale entry must conflict.
  const cache = options.storage.capabilities.checksReads === true && cacheSize > 0 ? new RecordCache(cacheSize) : undefined
  const storage = guardedStorage(options.storage, cache)
  const emitter = new EventEmitter<RegistryEvents>()
  const emit = (events: readonly PendingEvent[]): void => {
    for (const event of events) {
      if (emitter.listenerCount(event.name) > 0) (emitter.emit as (name: string, payload: unknown) => boolean)(event.name, event.payload)
    }
  }
  const codecs = inputCodecs(limits)
  const deps: QueryDeps = { storage, catalog, apps: config.right.apps, now: () => clock.now() as Instant }
  const bell = new CommitBell()
  const retain = new Retention(storage, () => clock.now(), retention.right)
  const ingestDeps = {
    codecs,
    apps: catalog.app,
    catalog,
    limits,
    storage,
    emit,
    committed: (events: readonly PendingEvent[]) => {
      recordTokenEvents(events)
      emit(events)
      bell.ring()
      retain.tick()
    },
    now: () => clock.now(),
    maxAttempts: options.maxCommitAttempts ?? 16,
  }

  const eraseDeps = { storage, catalog, now: ingestDeps.now, committed: ingestDeps.committed, maxAttempts: ingestDeps.maxAttempts }

  return {
    ingest: (input) => measureIngest(() => ingest(ingestDeps, input)),
    registrations: (appId) => measureStream('registrations', q.registrations(deps, appId as AppId | undefined)),
    segment: (segment, scope) => measureStream('segment', q.segment(deps, segment, scope)),
    segmentMembers: (segment, userIds, scope) =>
      measureQuery('segmentMembers', () => q.segmentMembers(deps, segment, userIds as readonly UserId[], scope)),
    targets: ({ appId, kind, eligibility }) => measureStream('targets', q.targets(deps, appId as AppId, kind, eligibility)),
    profile: (userId, scope) => measureQuery('profile', () => q.profile(deps, userId as UserId, scope)),
    exportUsers: (userIds, scope) => measureQuery('exportUsers', () => q.exportUsers(deps, userIds as readonly UserId[], scope)),
    exportSegment: (segment, scope) => measureStream('exportSegment', q.exportSegment(deps, segment, scope)),
    lookup: (query) => measureQuery('lookup', () => q.lookup(deps, query)),
    changelog: (userId, scope) => measureQuery('changelog', () => q.changelog(deps, userId as UserId, scope)),
    dispatchStats: ({ appId, dispatchId }) => measureQuery('dispatchStats', () => q.dispatchStats(deps, appId as AppId, dispatchId as DispatchId)),
    tokenHealth: (appId, healthOptions) => measureQuery('tokenHealth', () => tokenHealth(deps, appId as AppId, healthOptions)),
    recordSend: (send) => measureRecordSend(() => recordSend({ storage, catalog, maxAttempts: ingestDeps.maxAttempts }, send)),
    idleTargets: ({ appId, seenBefore }) => measureStream('idleTargets', q.idleTargets(deps, appId as AppId, seenBefore as Instant)),
    changes: (changeOptions) => readChanges(storage, bell, changeOptions),
    erase: (userId) =>
      measureErase(async () => {
        // No user has an empty or over-long id (S3), and '' is what erased ids become.
        if (typeof userId !== 'string' || userId.length === 0 || userId.length > limits.maxIdLength) return { erased: false, registrations: 0, contacts: 0 }
        return erase(eraseDeps, userId as UserId)
      }),
    pruneChanges: async (pruneOptions) => ({ pruned: await retain.prune(pruneOptions?.before) }),
    on: (name, listener) => {
      emitter.on(name, listener as never)
      return () => {
        emitter.off(name, listener as never)
      }
    },
    apps: config.right.apps.map((app) => ({ ...app, policy: policies.get(app.appId) as AppPolicy })),
    close: async () => {
      await retain.settled()
      await storage.close()
    },
  }
}
