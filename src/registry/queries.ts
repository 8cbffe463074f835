import type { App, Platform } from '../domain/app.js'
import type { AppId, DeviceId, DispatchId, Instant, UserId } from '../domain/brand.js'
import type { Capability } from '../domain/capability.js'
import { canAlert } from '../domain/capability.js'
import type { ChangelogEntry } from '../domain/changelog.js'
import { entryUser } from '../domain/changelog.js'
import type { ChangelogEntryRecord, ContactKind, ContactRecord, DispatchRecord, RegistrationRecord, TokenRecord, UserRecord } from '../domain/records.js'
import { changelogEntryKey, dispatchKey, registrationKey, tokenRecordKey, userKey } from '../domain/records.js'
import { normalizeContact } from '../domain/contact.js'
import type { ApnsEnvironment, SubscriptionState } from '../domain/input.js'
import type { ActiveToken, PushRegisteredFor } from '../domain/liveness.js'
import { expiresAt, isLiveAt, isStaleAt, pushRegisteredFor } from '../domain/liveness.js'
import { registrationChangelog } from '../domain/project.js'
import { currentDispatch } from '../domain/release-001.js'
import { reportedTokenKeys } from '../domain/registration-fold.js'
import { mayReceiveAlerts, subscriptionOf } from '../domain/subscription.js'
import type { PushToken } from '../domain/token.js'
import type { Catalog } from '../domain/world.js'
import { reads } from '../domain/world.js'
import type { Segment } from '../domain/segment.js'
import type { RegistrationEntry } from '../domain/index-entry.js'
import type { RegistrationQuery, UserQuery, UserRow } from '../ports/index-queries.js'
import type { PagedIterable } from './query-stream.js'
import { mapped, nothing, paged } from './query-stream.js'
import { linksOf, readAll, registrationLinks } from './user-links.js'
import type { GuardedStorage } from './store.js'
import { WorkingSet } from './store.js'

export interface QueryDeps {
  readonly storage: GuardedStorage
  readonly catalog: Catalog
  readonly apps: readonly App[]
  readonly now: () => Instant
}

/** One registration as queries show it. */
export interface RegistrationSummary {
  readonly appId: AppId
  readonly deviceId: DeviceId
  /** The current token, or the last one when the registration is inactive; `null` if none. */
  readonly token: PushToken | null
  readonly owner: UserId | null
  readonly owners: readonly UserId[]
  /** `null` unless active. */
  readonly capability: Capability | null
  readonly active: boolean
  readonly status: 'none' | 'active' | 'stale' | 'suspect' | 'expired' | 'ended'
}

/** Where a push of one kind may go (R27). */
export interface Target {
  readonly appId: AppId
  readonly deviceId: DeviceId
  readonly token: PushToken
  readonly capability: Capability
  readonly owners: readonly UserId[]
  readonly environment?: ApnsEnvironment
}

/** R26: the export shape backend teams already consume. */
export interface UserExport {
  readonly external_id: UserId
  readonly push_subscribe: SubscriptionState
  readonly push_tokens: readonly {
    readonly app: string
    readonly platform: Platform
    readonly token: PushToken
    readonly device_id: DeviceId
    readonly notifications_enabled: boolean
  }[]
  readonly uninstalled_at?: string
}

/** R25: a user's profile, as the seed's Engagement tab shows it. */
export interface Profile {
  readonly userId: UserId
  readonly subscription: SubscriptionState
  readonly email: string | null
  readonly phone: string | null
  readonly devices: readonly {
    readonly appId: AppId
    readonly deviceId: DeviceId
    readonly pushRegisteredFor: PushRegisteredFor
    /** R19: the user's active token there was last reported longer than `staleAfter` ago (still a target, D7). */
    readonly stale: boolean
    /** When the client last reported the user's active token there (R19); `null` when they hold none there. */
    readonly lastSeenAt: Instant | null
  }[]
  readonly changelog: readonly ChangelogEntry[]
}

/** R27: who a send may address; both rules can be overridden per send. */
export interface Eligibility {
  /** Subscription states that may get this kind of push. Default: alerts need subscribed or opted_in; background any. */
  readonly states?: readonly SubscriptionState[]
  /** Capabilities that may get it. Default: alerts need foreground or provisional; background any. */
  readonly capabilities?: readonly Capability[]
}

/**
 * R4, I8: narrows a read to some apps, as an app's API key sees the registry: registrations of
 * other apps are left out of segments, exports, profiles and changelogs. Users stay global
 * (a user id names a person of the host, not of one app); without `apps` a read sees every app.
 */
export interface ReadScope {
  readonly apps?: readonly string[]
}

/** Whether a read of `scope` may see registrations of `appId`. */
type InScope = (appId: AppId) => boolean

const inScopeOf = (scope: ReadScope | undefined): InScope => {
  if (scope?.apps === undefined) return () => true
  const apps = new Set<string>(scope.apps)
  return (appId) => apps.has(appId)
}

/** Entries asked of the store per page: large enough that a million targets is a few hundred pages. */
const pageSize = 4096

const after_ = (after: string | undefined): { readonly after?: string } => (after === undefined ? {} : { after })

/** The registration's token if it is usable at `now` (R19, D7, I6), else `null`. */
const liveOf = (deps: QueryDeps, entry: RegistrationEntry, now: Instant): ActiveToken | null => {
  const token = entry.token
  return isLiveAt(token, deps.catalog.policy(entry.appId).staleness, now) ? token : null
}

const statusOf = (deps: QueryDeps, entry: RegistrationEntry, live: ActiveToken | null, now: Instant): RegistrationSummary['status'] => {
  const token = entry.token
  const staleness = deps.catalog.policy(entry.appId).staleness
  if (live !== null) return isStaleAt(live, staleness, now) ? 'stale' : 'active'
  // R19, D7: a quarantined token expires like an active one (the history shows it expired).
  const expiry = token.status === 'active' || token.status === 'suspect' ? expiresAt(token, staleness) : null
  if (expiry !== null && now > expiry) return 'expired'
  return token.status
}

/** R19, D7: the `active` filter of tokens of `appId` still usable at `now`. */
const liveSince = (deps: QueryDeps, appId: AppId, now: Instant): Instant | null => {
  const expireAfter = deps.catalog.policy(appId).staleness.expireAfter
  return expireAfter === null ? null : ((now - expireAfter) as Instant)
}

const summaryOf = (deps: QueryDeps, entry: RegistrationEntry, now: Instant): RegistrationSummary => {
  const live = liveOf(deps, entry, now)
  const token = entry.token
  return {
    appId: entry.appId,
    deviceId: entry.deviceId,
    token: token.status === 'none' ? null : token.token,
    owner: entry.owner,
    owners: entry.owners,
    capability: live?.capability ?? null,
    active: live !== null,
    status: statusOf(deps, entry, live, now),
  }
}

/** Every known registration (of one app), with its state at the time of the call, streamed. */
export const registrations = (deps: QueryDeps, appId?: AppId): PagedIterable<RegistrationSummary> => {
  const now = deps.now()
  return paged(
    (after) => deps.storage.queryRegistrations({ ...(appId === undefined ? {} : { appId }), limit: pageSize, ...after_(after) }),
    (entries) => entries.map((entry) => summaryOf(deps, entry, now)),
  )
}

/** What a user holds across active registrations, as bits, for the segment rules. */
const holdsAny = 1
const holdsForeground = 2
const holdsProvisional = 4

/** The apps whose registrations count for a segment read in `scope`; `undefined`: every app. */
const segmentApps = (spec: Segment, scope: ReadScope | undefined): readonly AppId[] | undefined => {
  const inScope = inScopeOf(scope)
  if (spec.kind === 'foregroundPushEnabledForApp') return inScope(spec.appId) ? [spec.appId] : []
  return scope?.apps as readonly AppId[] | undefined
}

/**
 * The rows of a segment's members at `now` (R21–R24), each user once, with their registrations
 * of the scope's apps. Walks users rather than registrations: each user comes once with their
 * subscription state and owned registrations at hand, so no set of a million users is built to
 * remove duplicates, and no record is loaded.
 */
const memberRows = (deps: QueryDeps, spec: Segment, scope: ReadScope | undefined, now: Instant, withRegistrations: boolean): AsyncIterable<UserRow> => {
  const query = memberQuery(spec, scope, withRegistrations)
  if (query === null) return nothing
  return paged(
    (after) => deps.storage.queryUsers({ ...query, ...after_(after) }),
    (rows) => rows.filter((row) => isMember(deps, spec, row, now)),
  )
}

/** The user query whose rows hold a segment's members (and others, which `isMember` leaves out); `null`: nobody can be. */
const memberQuery = (spec: Segment, scope: ReadScope | undefined, withRegistrations: boolean): UserQuery | null => {
  const apps = segmentApps(spec, scope)
  if (apps !== undefined && apps.length === 0 && spec.kind !== 'pushSubscription') return null
  return spec.kind === 'pushSubscription'
    ? // R24, D11: every known user, including those known only from settings or attributes.
      { states: [spec.state], ...(withRegistrations ? (apps === undefined ? {} : { apps }) : { apps: [] }), limit: pageSize }
    : {
        owning: true,
        ...(apps === undefined ? {} : { apps }),
        // R23: not unsubscribed. R21 ignores the state, and R22 lets provisional users in whatever it is.
        ...(spec.kind === 'backgroundOrForegroundPushEnabled' ? { states: alertStates } : {}),
        limit: pageSize,
      }
}

/**
 * R21–R24: those of `userIds` who are in a segment now, each once, in the order given. One
 * store query for the whole list, so the caller bounds it: the dispatcher asks for the owners
 * of one page of targets at a time, and never holds a segment of a million users.
 */
export const segmentMembers = async (deps: QueryDeps, spec: Segment, userIds: readonly UserId[], scope?: ReadScope): Promise<UserId[]> => {
  const query = memberQuery(spec, scope, false)
  if (query === null || userIds.length === 0) return []
  const now = deps.now()
  const page = await deps.storage.queryUsers({ ...query, userIds })
  return page.entries.filter((row) => isMember(deps, spec, row, now)).map((row) => row.user.userId)
}

const alertStates: readonly SubscriptionState[] = ['subscribed', 'opted_in']

const isMember = (deps: QueryDeps, spec: Segment, row: UserRow, now: Instant): boolean => {
  if (spec.kind === 'pushSubscription') return true
  if (spec.kind === 'uninstalled') {
    const e = exportOf(deps, row, now)
    if (e.uninstalled_at === undefined) return false
    const at = Date.parse(e.uninstalled_at)
    return at >= spec.from && at < spec.to
  }
  let bits = 0
  for (const entry of row.registrations) {
    const live = liveOf(deps, entry, now)
    if (live === null) continue
    bits |= holdsAny | (canAlert(live.capability) ? holdsForeground : 0) | (live.capability === 'provisional' ? holdsProvisional : 0)
  }
  return bits !== 0 && inSegment(spec.kind, bits, row.user.subscription)
}

/** R21–R24: the identified users in a segment at the time of the call, streamed, each once. */
export const segment = (deps: QueryDeps, spec: Segment, scope?: ReadScope): AsyncIterable<UserId> => {
  const rows = memberRows(deps, spec, scope, deps.now(), false)
  return mapped(rows, (row) => row.user.userId)
}

const inSegment = (kind: Segment['kind'], bits: number, state: SubscriptionState): boolean => {
  switch (kind) {
    case 'foregroundPushEnabledForApp':
      // R21: subscription state is not considered.
      return (bits & holdsForeground) !== 0
    case 'foregroundPushEnabled':
      // R22: provisional authorization counts whatever the subscription state.
      return (bits & holdsProvisional) !== 0 || ((bits & holdsForeground) !== 0 && mayReceiveAlerts(state))
    default:
      // R23: any active token, while not unsubscribed.
      return mayReceiveAlerts(state)
  }
}

/** Where a push to a registration's live token goes (S4: with its APNs environment). */
const targetOf = (entry: RegistrationEntry, live: ActiveToken): Target =>
  // Two literals rather than a spread: this runs once per target of a million-target stream.
  live.environment === undefined
    ? { appId: entry.appId, deviceId: entry.deviceId, token: live.token, capability: live.capability, owners: entry.owners }
    : { appId: entry.appId, deviceId: entry.deviceId, token: live.token, capability: live.capability, owners: entry.owners, environment: live.environment }

/** R27, I6: the tokens a send of `kind` to `appId` would address at the time of the call, streamed. */
export const targets = (deps: QueryDeps, appId: AppId, kind: 'alert' | 'background', eligibility: Eligibility = {}): PagedIterable<Target> => {
  const now = deps.now()
  const app = deps.catalog.app(appId)
  if (app === undefined || (kind === 'background' && app.platform === 'web' && eligibility.capabilities === undefined)) {
    // R5: web has no background push.
    return nothing
  }
  const states = [...new Set(eligibility.states ?? (kind === 'alert' ? alertStates : everyState))]
  const capabilities = [...new Set<Capability>(eligibility.capabilities ?? (kind === 'alert' ? ['foreground', 'provisional'] : ['foreground', 'provisional', 'background']))]
  const query: RegistrationQuery = {
    appId,
    active: { reportedSince: liveSince(deps, appId, now), capabilities },
    // An anonymous device's user is `subscribed` by default (R11); in shared mode one eligible
    // account is enough (R10). With every state allowed there is nothing to join.
    ...(everyState.every((s) => states.includes(s)) ? {} : { ownerStates: states }),
    limit: pageSize,
  }
  return paged(
    (after) => deps.storage.queryRegistrations({ ...query, ...after_(after) }),
    (entries) => entries.map((entry) => targetOf(entry, entry.token as ActiveToken)),
  )
}

const everyState: readonly SubscriptionState[] = ['subscribed', 'opted_in', 'unsubscribed']

/** R26, D10: a user's export from their row (registrations already narrowed to the read's apps). */
const exportOf = (deps: QueryDeps, row: UserRow, now: Instant): UserExport => {
  const tokens: UserExport['push_tokens'][number][] = []
  let uninstalledAt = -Infinity
  for (const entry of row.registrations) {
    const app = deps.catalog.app(entry.appId)
    if (app === undefined) continue
    const live = liveOf(deps, entry, now)
    if (live !== null) {
      tokens.push({ app: app.name, platform: app.platform, token: live.token, device_id: entry.deviceId, notifications_enabled: canAlert(live.capability) })
    } else if (entry.token.status === 'ended' && entry.token.reason === 'uninstalled') {
      uninstalledAt = Math.max(uninstalledAt, entry.token.endedAt)
    }
  }
  return {
    external_id: row.user.userId,
    push_subscribe: row.user.subscription,
    push_tokens: tokens,
    ...(tokens.length === 0 && uninstalledAt !== -Infinity ? { uninstalled_at: new Date(uninstalledAt).toISOString() } : {}),
  }
}

/** R26: exports of the given users (a list the caller bounds); unknown ids are left out. */
export const exportUsers = async (deps: QueryDeps, userIds: readonly UserId[], scope?: ReadScope): Promise<UserExport[]> => {
  const now = deps.now()
  const apps = scope?.apps as readonly AppId[] | undefined
  const ids = [...new Set(userIds)]
  const out: UserExport[] = []
  for (let i = 0; i < ids.length; i += pageSize) {
    const page = await deps.storage.queryUsers({ userIds: ids.slice(i, i + pageSize), ...(apps === undefined ? {} : { apps }), limit: pageSize })
    for (const row of page.entries) out.push(exportOf(deps, row, now))
  }
  return out
}

/** R26: the exports of a segment's users, streamed a page at a time. */
export const exportSegment = (deps: QueryDeps, spec: Segment, scope?: ReadScope): AsyncIterable<UserExport> => {
  const now = deps.now()
  return mapped(memberRows(deps, spec, scope, now, true), (row) => exportOf(deps, row, now))
}

const readUsers = async (deps: QueryDeps, ids: Iterable<UserId>): Promise<Map<UserId, UserRecord>> => {
  const keys = [...new Set(ids)].map(userKey)
  const found = await deps.storage.read(keys)
  const users = new Map<UserId, UserRecord>()
  found.forEach((stored) => {
    if (stored !== undefined) users.set((stored.record as UserRecord).userId, stored.record as UserRecord)
  })
  return users
}

/**
 * D2: the registrations `user` was seen on (of the read's apps), by app then device: their
 * links, read by key a page at a time, and the registrations those name, `pageSize` at a time.
 */
const seenRegistrations = async (deps: QueryDeps, user: UserRecord, inScope: InScope = () => true): Promise<RegistrationRecord[]> => {
  const links = (await linksOf(deps.storage.read, [user])).get(user.userId) ?? []
  const refs = registrationLinks(links).filter((ref) => inScope(ref.appId))
  const out: RegistrationRecord[] = []
  for (const stored of await readAll(deps.storage.read, refs.map((ref) => registrationKey(ref.appId, ref.deviceId)))) {
    const record = stored?.record as RegistrationRecord | undefined
    // A link also names where the user only logged out (D2: not seen there).
    if (record !== undefined && record.view.seenUsers.includes(user.userId)) out.push(record)
  }
  return out
}

/**
 * R9, I7, D14: a user's changelog, in R20 order, across every registration they were seen on:
 * the entries settled for them (records of their own, no replay) followed, per registration, by
 * what the fold of its window gives now.
 */
export const changelog = async (deps: QueryDeps, userId: UserId, scope?: ReadScope): Promise<ChangelogEntry[]> => {
  const user = (await readUsers(deps, [userId])).get(userId)
  if (user === undefined) return []
  const now = deps.now()
  const inScope = inScopeOf(scope)
  const byRegistration = new Map<string, ChangelogEntry[]>()
  const historyOf = (appId: AppId, deviceId: DeviceId): ChangelogEntry[] => {
    const id = `${appId}\u0000${deviceId}`
    let history = byRegistration.get(id)
    if (history === undefined) byRegistration.set(id, (history = []))
    return history
  }
  for (const entry of await settledEntries(deps, user)) {
    if (inScope(entry.appId)) historyOf(entry.appId, entry.deviceId).push(entry)
  }
  // Settled entries are appended as they leave the window, late ones after the others.
  for (const history of byRegistration.values()) history.sort((a, b) => a.at - b.at)
  for (const record of await seenRegistrations(deps, user, inScope)) {
    const app = deps.catalog.app(record.appId)
    if (app === undefined) continue
    const window = (await registrationHistory(deps, record, app, now)).filter((e) => entryUser(e) === userId)
    historyOf(record.appId, record.deviceId).push(...window)
  }
  return mergeHistories([...byRegistration.values()])
}

/** R9, D14: a user's settled changelog entries, in the order they were appended. */
const settledEntries = async (deps: QueryDeps, user: UserRecord): Promise<ChangelogEntry[]> => {
  const out: ChangelogEntry[] = []
  const count = user.changelog ?? 0
  for (let from = 0; from < count; from += pageSize) {
    const keys = Array.from({ length: Math.min(pageSize, count - from) }, (_, i) => changelogEntryKey(user.userId, from + i))
    for (const stored of await deps.storage.read(keys)) {
      if (stored !== undefined) out.push((stored.record as ChangelogEntryRecord).entry)
    }
  }
  return out
}

/** At equal times, a token lost comes before a token gained (R3: it leaves one device, then lands on the other). */
const kindRank: Readonly<Record<ChangelogEntry['kind'], number>> = {
  invalidated: 0,
  transferred_out: 1,
  rotated: 2,
  registered: 3,
  transferred_in: 4,
}

/**
 * Merges per-registration histories in `at` order. Each history keeps its own fold order (the
 * order its changes happened in); between registrations, equal times go by `kindRank`.
 */
const mergeHistories = (histories: readonly (readonly ChangelogEntry[])[]): ChangelogEntry[] => {
  const heads = histories.map(() => 0)
  const out: ChangelogEntry[] = []
  for (;;) {
    let best = -1
    for (let h = 0; h < histories.length; h++) {
      const entry = histories[h]?.[heads[h] as number]
      if (entry === undefined) continue
      const current = best === -1 ? undefined : histories[best]?.[heads[best] as number]
      if (current === undefined || entry.at < current.at || (entry.at === current.at && kindRank[entry.kind] < kindRank[current.kind])) best = h
    }
    if (best === -1) return out
    out.push(histories[best]?.[heads[best] as number] as ChangelogEntry)
    heads[best] = (heads[best] as number) + 1
  }
}

/** A registration's full changelog at `now` (R9), its expiry included once passed (R19, D1). */
const registrationHistory = async (
  deps: QueryDeps,
  record: RegistrationRecord,
  app: App,
  now: Instant,
): Promise<readonly ChangelogEntry[]> => {
  const ws = new WorkingSet()
  const tokenKeys = reportedTokenKeys(record.facts).map((key) => tokenRecordKey(record.appId, key))
  await ws.load(deps.storage, tokenKeys)
  // D6: a quarantine's outcome reads the dispatches of its ambiguous answers.
  const dispatchKeys = tokenKeys.flatMap((key) => {
    const token = ws.get(key) as TokenRecord | undefined
    return (token?.ambiguous ?? []).flatMap((a) => (a.dispatchId === null ? [] : [dispatchKey(record.appId, a.dispatchId)]))
  })
  await ws.load(deps.storage, dispatchKeys)
  return registrationChangelog(record, app, deps.catalog.policy(record.appId), reads(ws), now)
}

/** R25, D2: a user's profile at `now`; `null` for a user the registry never saw. */
export const profile = async (deps: QueryDeps, userId: UserId, scope?: ReadScope): Promise<Profile | null> => {
  const user = (await readUsers(deps, [userId])).get(userId)
  if (user === undefined) return null
  const now = deps.now()
  const inScope = inScopeOf(scope)
  const devices = (await seenRegistrations(deps, user, inScope)).flatMap((record) => {
    const app = deps.catalog.app(record.appId)
    if (app === undefined) return []
    const token = record.view.token
    const staleness = deps.catalog.policy(record.appId).staleness
    const live = record.view.owners.includes(userId) && isLiveAt(token, staleness, now) ? token : null
    const stale = live !== null && isStaleAt(live, staleness, now)
    return [{ appId: record.appId, deviceId: record.deviceId, pushRegisteredFor: pushRegisteredFor(app.name, live), stale, lastSeenAt: live?.reportedAt ?? null }]
  })
  return {
    userId,
    subscription: subscriptionOf(user),
    email: user.email?.value ?? null,
    phone: user.phone?.value ?? null,
    devices,
    changelog: await changelog(deps, userId, scope),
  }
}

/**
 * D11: the user an address belongs to: among the users who claimed it and still have it, the
 * latest claim wins; `null` when nobody has it.
 */
export const lookup = async (
  deps: QueryDeps,
  query: { readonly email: string } | { readonly phone: string },
): Promise<UserId | null> => {
  const contact: ContactKind = 'email' in query ? 'email' : 'phone'
  const value = normalizeContact(contact, 'email' in query ? query.email : query.phone)
  const [stored] = await deps.storage.read([{ kind: 'contact', contact, value }])
  if (stored === undefined) return null
  const claims = [...(stored.record as ContactRecord).claims].sort((a, b) => b.at - a.at || (a.userId < b.userId ? 1 : -1))
  const users = await readUsers(deps, claims.map((c) => c.userId))
  const holder = claims.find((c) => users.get(c.userId)?.[contact]?.value === value)
  return holder?.userId ?? null
}

/** The SDK's delivery statistics of one dispatch (the seed's third sending step). */
export interface DispatchStats {
  readonly appId: AppId
  readonly dispatchId: DispatchId
  /** Devices that reported the push received (`delivery_reported`), each counted once. */
  readonly received: number
  /** Devices that reported it opened, each counted once. */
  readonly opened: number
}

/** A dispatch's delivery statistics, or `null` when the registry holds nothing about it. */
export const dispatchStats = async (deps: QueryDeps, appId: AppId, dispatchId: DispatchId): Promise<DispatchStats | null> => {
  const [stored] = await deps.storage.read([dispatchKey(appId, dispatchId)])
  if (stored === undefined) return null
  const record = currentDispatch(stored.record as DispatchRecord)
  return { appId, dispatchId, received: record.received, opened: record.opened }
}

/** A send target whose token was last reported at `lastSeenAt` (R17, R19). */
export interface IdleTarget extends Target {
  readonly lastSeenAt: Instant
}

/**
 * R14, R19: the live tokens of `appId` whose last session or token report is before
 * `seenBefore`: the devices uninstall tracking probes. Subscription state and capability are
 * not considered (R27: a background push needs only an active token).
 */
export const idleTargets = (deps: QueryDeps, appId: AppId, seenBefore: Instant): PagedIterable<IdleTarget> => {
  const now = deps.now()
  const query: RegistrationQuery = { appId, active: { reportedSince: liveSince(deps, appId, now), reportedBefore: seenBefore }, limit: pageSize }
  return paged(
    (after) => deps.storage.queryRegistrations({ ...query, ...after_(after) }),
    (entries) =>
      entries.map((entry) => {
        const live = entry.token as ActiveToken
        return { ...targetOf(entry, live), lastSeenAt: live.reportedAt }
      }),
  )
}
