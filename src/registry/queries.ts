import type { App, Platform } from '../domain/app.js'
import type { AppId, DeviceId, DispatchId, Instant, UserId } from '../domain/brand.js'
import type { Capability } from '../domain/capability.js'
import { canAlert } from '../domain/capability.js'
import type { ChangelogEntry } from '../domain/changelog.js'
import { entryUser } from '../domain/changelog.js'
import type { ContactKind, ContactRecord, DispatchRecord, RecordKey, RegistrationRecord, TokenRecord, UserRecord } from '../domain/records.js'
import { dispatchKey, registrationKey, tokenRecordKey, userKey } from '../domain/records.js'
import { normalizeContact } from '../domain/contact.js'
import type { ApnsEnvironment, SubscriptionState } from '../domain/input.js'
import type { ActiveToken, PushRegisteredFor } from '../domain/liveness.js'
import { expiresAt, isLiveAt, isStaleAt, pushRegisteredFor } from '../domain/liveness.js'
import { registrationChangelog } from '../domain/project.js'
import { reportedTokenKeys } from '../domain/registration-fold.js'
import { mayReceiveAlerts, subscriptionOf } from '../domain/subscription.js'
import type { PushToken } from '../domain/token.js'
import type { Catalog } from '../domain/world.js'
import { reads } from '../domain/world.js'
import type { Segment } from '../domain/segment.js'
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

const pageSize = 4096

/** Every stored registration (of one app), page by page. */
async function* registrationPages(deps: QueryDeps, appId?: AppId): AsyncGenerator<RegistrationRecord[]> {
  let cursor: string | undefined
  do {
    const page = await deps.storage.scan({ kind: 'registration', limit: pageSize, ...(appId === undefined ? {} : { appId }), ...(cursor === undefined ? {} : { cursor }) })
    yield page.records.map((r) => r.record as RegistrationRecord)
    cursor = page.next ?? undefined
  } while (cursor !== undefined)
}

async function* userPages(deps: QueryDeps): AsyncGenerator<UserRecord[]> {
  let cursor: string | undefined
  do {
    const page = await deps.storage.scan({ kind: 'user', limit: pageSize, ...(cursor === undefined ? {} : { cursor }) })
    yield page.records.map((r) => r.record as UserRecord)
    cursor = page.next ?? undefined
  } while (cursor !== undefined)
}

/** The registration's token if it is usable at `now` (R19, D7, I6), else `null`. */
const liveOf = (deps: QueryDeps, record: RegistrationRecord, now: Instant): ActiveToken | null => {
  const token = record.view.token
  return isLiveAt(token, deps.catalog.policy(record.appId).staleness, now) ? token : null
}

const statusOf = (deps: QueryDeps, record: RegistrationRecord, live: ActiveToken | null, now: Instant): RegistrationSummary['status'] => {
  const token = record.view.token
  const staleness = deps.catalog.policy(record.appId).staleness
  if (live !== null) return isStaleAt(live, staleness, now) ? 'stale' : 'active'
  // R19, D7: a quarantined token expires like an active one (the history shows it expired).
  const expiry = token.status === 'active' || token.status === 'suspect' ? expiresAt(token, staleness) : null
  if (expiry !== null && now > expiry) return 'expired'
  return token.status
}

/** Every known registration (of one app), with its state at `now`. */
export const registrations = async (deps: QueryDeps, appId?: AppId): Promise<RegistrationSummary[]> => {
  const now = deps.now()
  const out: RegistrationSummary[] = []
  for await (const page of registrationPages(deps, appId)) {
    for (const record of page) {
      if (!record.view.known) continue
      const live = liveOf(deps, record, now)
      const token = record.view.token
      out.push({
        appId: record.appId,
        deviceId: record.deviceId,
        token: token.status === 'none' ? null : token.token,
        owner: record.view.owner,
        owners: record.view.owners,
        capability: live?.capability ?? null,
        active: live !== null,
        status: statusOf(deps, record, live, now),
      })
    }
  }
  return out
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

/** What a user holds across active registrations, as bits, for the segment rules. */
const holdsAny = 1
const holdsForeground = 2
const holdsProvisional = 4

/**
 * R21–R24: the identified users in a segment at `now`. Walks users rather than registrations:
 * each user is visited once with their subscription state at hand, so no set of a million
 * users has to be built to remove duplicates.
 */
export const segment = async (deps: QueryDeps, spec: Segment, scope?: ReadScope): Promise<UserId[]> => {
  const now = deps.now()
  const inScope = inScopeOf(scope)
  const out: UserId[] = []
  for await (const page of userPages(deps)) {
    if (spec.kind === 'pushSubscription') {
      // R24, D11: every known user, including those known only from settings or attributes.
      for (const user of page) if (subscriptionOf(user) === spec.state) out.push(user.userId)
      continue
    }
    if (spec.kind === 'uninstalled') {
      for (const e of await exportPage(deps, page, now, inScope)) {
        if (e.uninstalled_at === undefined) continue
        const at = Date.parse(e.uninstalled_at)
        if (at >= spec.from && at < spec.to) out.push(e.external_id)
      }
      continue
    }
    const appId = spec.kind === 'foregroundPushEnabledForApp' ? spec.appId : undefined
    const counts = (ref: { readonly appId: AppId }): boolean => (appId === undefined || ref.appId === appId) && inScope(ref.appId)
    const found = await deps.storage.read(registrationRefs(page, counts))
    let next = 0
    for (const user of page) {
      let bits = 0
      for (const ref of user.registrations) {
        if (!counts(ref)) continue
        const record = found[next++]?.record as RegistrationRecord | undefined
        // I5: only registrations the user still owns count.
        if (record === undefined || !record.view.owners.includes(user.userId)) continue
        const live = liveOf(deps, record, now)
        if (live === null) continue
        bits |= holdsAny | (canAlert(live.capability) ? holdsForeground : 0) | (live.capability === 'provisional' ? holdsProvisional : 0)
      }
      if (bits !== 0 && inSegment(spec.kind, bits, user)) out.push(user.userId)
    }
  }
  return out
}

const inSegment = (kind: Segment['kind'], bits: number, user: UserRecord): boolean => {
  switch (kind) {
    case 'foregroundPushEnabledForApp':
      // R21: subscription state is not considered.
      return (bits & holdsForeground) !== 0
    case 'foregroundPushEnabled':
      // R22: provisional authorization counts whatever the subscription state.
      return (bits & holdsProvisional) !== 0 || ((bits & holdsForeground) !== 0 && mayReceiveAlerts(subscriptionOf(user)))
    default:
      // R23: any active token, while not unsubscribed.
      return mayReceiveAlerts(subscriptionOf(user))
  }
}

/** The keys of the registrations a page of users was seen on that `counts`, user by user. */
const registrationRefs = (users: readonly UserRecord[], counts: (ref: { readonly appId: AppId }) => boolean): RecordKey[] => {
  const keys: RecordKey[] = []
  for (const user of users) {
    for (const ref of user.registrations) if (counts(ref)) keys.push(registrationKey(ref.appId, ref.deviceId))
  }
  return keys
}

/** Where a push to a registration's live token goes (S4: with its APNs environment). */
const targetOf = (appId: AppId, record: RegistrationRecord, live: ActiveToken): Target => ({
  appId,
  deviceId: record.deviceId,
  token: live.token,
  capability: live.capability,
  owners: record.view.owners,
  ...(live.environment === undefined ? {} : { environment: live.environment }),
})

/** R27, I6: the tokens a send of `kind` to `appId` would address at `now`. */
export const targets = async (
  deps: QueryDeps,
  appId: AppId,
  kind: 'alert' | 'background',
  eligibility: Eligibility = {},
): Promise<Target[]> => {
  const now = deps.now()
  const app = deps.catalog.app(appId)
  if (app === undefined || (kind === 'background' && app.platform === 'web' && eligibility.capabilities === undefined)) {
    // R5: web has no background push.
    return []
  }
  const states = new Set(eligibility.states ?? (kind === 'alert' ? ['subscribed', 'opted_in'] : ['subscribed', 'opted_in', 'unsubscribed']))
  const capabilities = new Set<Capability>(eligibility.capabilities ?? (kind === 'alert' ? ['foreground', 'provisional'] : ['foreground', 'provisional', 'background']))
  const everyState = states.size === 3
  const out: Target[] = []
  for await (const page of registrationPages(deps, appId)) {
    const candidates: [RegistrationRecord, ActiveToken][] = []
    const ownerKeys: RecordKey[] = []
    for (const record of page) {
      const live = liveOf(deps, record, now)
      if (live === null || !capabilities.has(live.capability)) continue
      candidates.push([record, live])
      if (!everyState) for (const owner of record.view.owners) ownerKeys.push(userKey(owner))
    }
    const owners = everyState ? [] : await deps.storage.read(ownerKeys)
    let next = 0
    for (const [record, live] of candidates) {
      // An anonymous device's user is `subscribed` by default (R11); in shared mode one
      // eligible account is enough (R10).
      let eligible = everyState || (record.view.owners.length === 0 && states.has('subscribed'))
      if (!everyState) {
        for (let o = 0; o < record.view.owners.length; o++) {
          if (states.has(subscriptionOf(owners[next++]?.record as UserRecord | undefined))) eligible = true
        }
      }
      if (!eligible) continue
      out.push(targetOf(appId, record, live))
    }
  }
  return out
}

const readRegistrations = async (deps: QueryDeps, users: readonly UserRecord[], inScope: InScope = () => true): Promise<Map<string, RegistrationRecord>> => {
  const keys = users.flatMap((u) => u.registrations.flatMap((r) => (inScope(r.appId) ? [registrationKey(r.appId, r.deviceId)] : [])))
  const found = await deps.storage.read(keys)
  const out = new Map<string, RegistrationRecord>()
  for (const stored of found) {
    if (stored === undefined) continue
    const record = stored.record as RegistrationRecord
    out.set(`${record.appId}\u0000${record.deviceId}`, record)
  }
  return out
}

/** R26, D10: exports of a page of users. */
const exportPage = async (deps: QueryDeps, users: readonly UserRecord[], now: Instant, inScope: InScope): Promise<UserExport[]> => {
  const registrationsByRef = await readRegistrations(deps, users, inScope)
  return users.map((user) => {
    const tokens: UserExport['push_tokens'][number][] = []
    let uninstalledAt = -Infinity
    for (const ref of user.registrations) {
      const record = registrationsByRef.get(`${ref.appId}\u0000${ref.deviceId}`)
      const app = deps.catalog.app(ref.appId)
      if (record === undefined || app === undefined || !inScope(ref.appId) || !record.view.owners.includes(user.userId)) continue
      const live = liveOf(deps, record, now)
      if (live !== null) {
        tokens.push({ app: app.name, platform: app.platform, token: live.token, device_id: record.deviceId, notifications_enabled: canAlert(live.capability) })
      } else if (record.view.token.status === 'ended' && record.view.token.reason === 'uninstalled') {
        uninstalledAt = Math.max(uninstalledAt, record.view.token.endedAt)
      }
    }
    return {
      external_id: user.userId,
      push_subscribe: subscriptionOf(user),
      push_tokens: tokens,
      ...(tokens.length === 0 && uninstalledAt !== -Infinity ? { uninstalled_at: new Date(uninstalledAt).toISOString() } : {}),
    }
  })
}

/** R26: exports of the given users; unknown ids are left out. */
export const exportUsers = async (deps: QueryDeps, userIds: readonly UserId[], scope?: ReadScope): Promise<UserExport[]> => {
  const users = [...(await readUsers(deps, userIds)).values()]
  return exportPage(deps, users, deps.now(), inScopeOf(scope))
}

/** R26: the exports of a segment's users, streamed page by page. */
export async function* exportSegment(deps: QueryDeps, spec: Segment, scope?: ReadScope): AsyncGenerator<UserExport> {
  const members = await segment(deps, spec, scope)
  for (let i = 0; i < members.length; i += pageSize) {
    yield* await exportUsers(deps, members.slice(i, i + pageSize), scope)
  }
}

/** R9, I7: a user's changelog, in R20 order, across every registration they were seen on. */
export const changelog = async (deps: QueryDeps, userId: UserId, scope?: ReadScope): Promise<ChangelogEntry[]> => {
  const user = (await readUsers(deps, [userId])).get(userId)
  if (user === undefined) return []
  const now = deps.now()
  const records = [...(await readRegistrations(deps, [user], inScopeOf(scope))).values()]
  const histories: ChangelogEntry[][] = []
  for (const record of records) {
    const app = deps.catalog.app(record.appId)
    if (app === undefined) continue
    histories.push((await registrationHistory(deps, record, app, now)).filter((e) => entryUser(e) === userId))
  }
  return mergeHistories(histories)
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
  const records = await readRegistrations(deps, [user], inScope)
  const devices = user.registrations.flatMap((ref) => {
    if (!inScope(ref.appId)) return []
    const record = records.get(`${ref.appId}\u0000${ref.deviceId}`)
    const app = deps.catalog.app(ref.appId)
    if (record === undefined || app === undefined) return []
    const live = record.view.owners.includes(userId) ? liveOf(deps, record, now) : null
    const stale = live !== null && isStaleAt(live, deps.catalog.policy(ref.appId).staleness, now)
    return [{ appId: ref.appId, deviceId: ref.deviceId, pushRegisteredFor: pushRegisteredFor(app.name, live), stale, lastSeenAt: live?.reportedAt ?? null }]
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
  const record = stored.record as DispatchRecord
  return { appId, dispatchId, received: record.received.length, opened: record.opened.length }
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
export const idleTargets = async (deps: QueryDeps, appId: AppId, seenBefore: Instant): Promise<IdleTarget[]> => {
  const now = deps.now()
  const out: IdleTarget[] = []
  for await (const page of registrationPages(deps, appId)) {
    for (const record of page) {
      const live = liveOf(deps, record, now)
      if (live === null || live.reportedAt >= seenBefore) continue
      out.push({ ...targetOf(appId, record, live), lastSeenAt: live.reportedAt })
    }
  }
  return out
}
