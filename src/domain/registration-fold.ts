import type { Platform } from './app.js'
import type { AppId, DeviceId, DispatchId, Instant, UserId } from './brand.js'
import { capabilityOf, isLegacyAndroid } from './capability.js'
import { ambiguousVerdict } from './dispatch-verdict.js'
import type { ChangelogEntry } from './changelog.js'
import type { ApnsEnvironment, DeviceFact, Permission, Report } from './input.js'
import { isReport } from './input.js'
import type { KeptFact } from './repeats.js'
import { occurrencesToFold } from './repeats.js'
import { erasedUser } from './erased-user.js'
import { emptyList, exact } from './order.js'
import type { AppPolicy } from './policy.js'
import type {
  DispatchRecord,
  EndReason,
  OptIn,
  RegistrationView,
  TokenRecord,
  TokenState,
} from './records.js'
import type { PushToken, TokenKey } from './token.js'
import { tokenKey } from './token.js'

/** What the fold of one registration needs besides its own facts. */
export interface FoldContext {
  readonly appId: AppId
  readonly deviceId: DeviceId
  readonly platform: Platform
  readonly policy: AppPolicy
  /** The records of the tokens whose evidence takes part in the fold. */
  readonly tokens: (key: TokenKey) => TokenRecord | undefined
  readonly dispatch: (dispatchId: DispatchId) => DispatchRecord | undefined
  /**
   * When given, tokens expire on the timeline (R19, D7) once `expireAfter` passes without a
   * report, up to `now`: what a history shown at `now` needs. Stored views omit it, since
   * expiry depends on the query's clock.
   */
  readonly now?: Instant
  /**
   * D14: the registration's horizon. Opt-ins the fold produces before it are replaced by
   * `settledOptIns` (the compacted facts before it no longer give the opt-ins they gave).
   */
  readonly horizon?: Instant
  readonly settledOptIns?: readonly OptIn[]
}

/**
 * Evidence about a token that comes from outside the device's own facts, placed on the
 * device's timeline. At equal times the device's facts come first (`phase` 0), so that a token
 * reported at the evidence time is still killed by it (R17: "at or before").
 */
type TokenEvent =
  | { readonly kind: 'claim'; readonly phase: 1; readonly at: Instant; readonly key: TokenKey; readonly deviceId: DeviceId }
  | { readonly kind: 'dead'; readonly phase: 2; readonly at: Instant; readonly key: TokenKey }
  | {
      readonly kind: 'ambiguous'
      readonly phase: 3
      readonly at: Instant
      readonly key: TokenKey
      readonly confirmation: string
      readonly confirmedByDispatch: boolean
    }
  | { readonly kind: 'delivered'; readonly phase: 4; readonly at: Instant; readonly key: TokenKey }

type Live = {
  token: PushToken
  key: TokenKey
  reportedAt: Instant
  environment: ApnsEnvironment | undefined
}

/** The mutable state of one fold; it never escapes `foldRegistration`. */
interface FoldState {
  owner: UserId | null
  signedIn: UserId[]
  readonly seen: Set<UserId>
  current: Live | null
  status: 'none' | 'active' | 'suspect' | 'ended'
  endReason: EndReason
  endedAt: Instant
  suspectSince: Instant
  readonly confirmations: Set<string>
  permission: Permission | null
  osVersion: string | undefined
  readonly optIns: Map<UserId, Instant>
  readonly entries: ChangelogEntry[]
}

/** The result of folding one registration's timeline. */
export interface Folded {
  readonly view: RegistrationView
  /** Every entry the fold produced, before the horizon too (callers keep what they need). */
  readonly changelog: readonly ChangelogEntry[]
  /** The latest opt-in per user the fold itself produced, before the horizon too. */
  readonly optIns: readonly OptIn[]
}

/**
 * The decider's fold for one registration: its facts in R20 order, merged with the evidence
 * of the tokens it held, give its owner (R7, R10), token and status (R2, R3, R14, R16–R18),
 * capability (R5, R6), opt-ins (R12) and changelog (R9).
 *
 * Repeats kept as one fact are folded at the occurrences that matter (`occurrencesToFold`).
 *
 * The view depends only on the evidence about the device's *current* token; the changelog
 * also shows what happened to earlier ones when their records are in the context.
 */
export const foldRegistration = (facts: readonly KeptFact[], ctx: FoldContext): Folded => {
  const s: FoldState = {
    owner: null,
    signedIn: [],
    seen: new Set(),
    current: null,
    status: 'none',
    endReason: 'dead',
    endedAt: 0 as Instant,
    suspectSince: 0 as Instant,
    confirmations: new Set(),
    permission: null,
    osVersion: undefined,
    optIns: new Map(),
    entries: [],
  }
  const events = tokenEvents(facts, ctx)
  let e = 0
  for (const fact of occurrencesToFold(facts, events, ctx.now === undefined ? null : ctx.policy.staleness.expireAfter)) {
    for (; e < events.length && (events[e] as TokenEvent).at < fact.at; e++) {
      expireBefore(s, (events[e] as TokenEvent).at, ctx)
      applyTokenEvent(s, events[e] as TokenEvent, ctx)
    }
    expireBefore(s, fact.at, ctx)
    applyFact(s, fact, ctx)
  }
  for (; e < events.length; e++) {
    expireBefore(s, (events[e] as TokenEvent).at, ctx)
    applyTokenEvent(s, events[e] as TokenEvent, ctx)
  }
  if (ctx.now !== undefined) expireBefore(s, ctx.now, ctx)
  const optIns = [...s.optIns].map(([userId, at]) => ({ userId, at }))
  return { view: viewOf(s, facts, optIns, ctx), changelog: s.entries, optIns }
}

/**
 * R19, D7: a live token not reported for `expireAfter` is expired from then on; anything at a
 * later time sees it ended (a later report revives it, as any re-registration does).
 */
const expireBefore = (s: FoldState, at: Instant, ctx: FoldContext): void => {
  const expireAfter = ctx.policy.staleness.expireAfter
  if (ctx.now === undefined || expireAfter === null || s.current === null || !isLive(s)) return
  const expiry = s.current.reportedAt + expireAfter
  if (at > expiry && expiry < ctx.now) end(s, 'expired', expiry as Instant, ctx)
}

/** The key of the token the device holds after its facts: its latest report carrying one. */
export const currentTokenKey = (facts: readonly DeviceFact[]): TokenKey | null => {
  for (let i = facts.length - 1; i >= 0; i--) {
    const fact = facts[i] as DeviceFact
    if (isReport(fact) && fact.token !== undefined) return tokenKey(fact.token)
  }
  return null
}

/** Every token key the device ever reported, for the full changelog. */
export const reportedTokenKeys = (facts: readonly DeviceFact[]): TokenKey[] => {
  const keys = new Set<TokenKey>()
  for (const fact of facts) if (isReport(fact) && fact.token !== undefined) keys.add(tokenKey(fact.token))
  return [...keys]
}

const tokenEvents = (facts: readonly DeviceFact[], ctx: FoldContext): TokenEvent[] => {
  const events: TokenEvent[] = []
  for (const key of reportedTokenKeys(facts)) {
    const record = ctx.tokens(key)
    if (record === undefined) continue
    for (const claim of record.claims) {
      if (claim.deviceId !== ctx.deviceId) events.push({ kind: 'claim', phase: 1, at: claim.at, key, deviceId: claim.deviceId })
    }
    for (const at of record.deaths) events.push({ kind: 'dead', phase: 2, at, key })
    for (const answer of record.ambiguous) {
      const verdict = answer.dispatchId === null ? 'suspect' : ambiguousVerdict(ctx.dispatch(answer.dispatchId), key, ctx.policy.ambiguousAlikeThreshold)
      // R18: an answer of a dispatch that failed alike blames the credential, not the token.
      if (verdict === 'ignored') continue
      events.push({
        kind: 'ambiguous',
        phase: 3,
        at: answer.at,
        key,
        confirmation: answer.dispatchId ?? `at:${answer.at}`,
        confirmedByDispatch: verdict === 'confirmed',
      })
    }
    for (const at of record.deliveries) events.push({ kind: 'delivered', phase: 4, at, key })
  }
  return events.sort(compareEvents)
}

const compareEvents = (a: TokenEvent, b: TokenEvent): number => {
  if (a.at !== b.at) return a.at - b.at
  if (a.phase !== b.phase) return a.phase - b.phase
  if (a.key !== b.key) return a.key < b.key ? -1 : 1
  if (a.kind === 'claim' && b.kind === 'claim') return a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0
  if (a.kind === 'ambiguous' && b.kind === 'ambiguous') return a.confirmation < b.confirmation ? -1 : a.confirmation > b.confirmation ? 1 : 0
  return 0
}

const isLive = (s: FoldState): boolean => s.status === 'active' || s.status === 'suspect'

const applyFact = (s: FoldState, fact: DeviceFact, ctx: FoldContext): void => {
  switch (fact.type) {
    case 'user_changed':
      return logIn(s, fact.userId, fact, ctx)
    case 'logged_out':
      return logOut(s, fact.userId, fact, ctx)
    case 'session_started':
      if (fact.userId !== undefined) logIn(s, fact.userId, fact, ctx)
      return report(s, fact, ctx)
    case 'token_reported':
      return report(s, fact, ctx)
    case 'prompt_answered':
      // D3: an accepted prompt opts in; `provisional` never does.
      if (fact.result === 'granted') optIn(s, fact.at, ctx)
      return
    case 'uninstalled':
      // R14: uninstall ends the token; the next session start registers again.
      if (isLive(s)) end(s, 'uninstalled', fact.at, ctx)
      return
    case 'user_erased':
      // Erasure: a token whose every owner was erased is no longer anyone's target.
      if (isLive(s) && ownersOf(s).every((owner) => owner === erasedUser)) end(s, 'erased', fact.at, ctx)
      return
  }
}

/**
 * R7: in exclusive mode the token goes to the last user who logged in (R8: and away from the
 * previous one). R10: in shared mode each login adds an account.
 */
const logIn = (s: FoldState, userId: UserId, fact: DeviceFact, ctx: FoldContext): void => {
  s.seen.add(userId)
  if (ctx.policy.ownership === 'shared') {
    const already = s.signedIn.includes(userId)
    s.signedIn = [...s.signedIn.filter((u) => u !== userId), userId]
    s.owner = userId
    if (!already && s.current !== null && isLive(s)) {
      record(s, ctx, fact.at, 'transferred_in', s.current.token, null, userId)
    }
    return
  }
  const previous = s.owner
  if (previous === userId) return
  s.owner = userId
  if (s.current !== null && isLive(s)) {
    if (previous !== null) record(s, ctx, fact.at, 'transferred_out', s.current.token, previous, userId)
    record(s, ctx, fact.at, 'transferred_in', s.current.token, previous, userId)
  }
}

/** R10, D8: a logout detaches one account in shared mode, and changes nothing in exclusive mode. */
const logOut = (s: FoldState, userId: UserId, fact: DeviceFact, ctx: FoldContext): void => {
  if (ctx.policy.ownership !== 'shared' || !s.signedIn.includes(userId)) return
  s.signedIn = s.signedIn.filter((u) => u !== userId)
  s.owner = s.signedIn[s.signedIn.length - 1] ?? null
  if (s.current !== null && isLive(s)) record(s, ctx, fact.at, 'transferred_out', s.current.token, userId, null)
}

/**
 * R2, R6, D3, D5: a session or token report. A different token replaces the current one
 * (`rotated`); the same token refreshes it and lifts a quarantine (D6); a report without a
 * token leaves the token alone, except a web report of `denied` (the browser dropped the
 * subscription).
 */
const report = (s: FoldState, fact: Report, ctx: FoldContext): void => {
  if (fact.osVersion !== undefined) s.osVersion = fact.osVersion
  const previousPermission = s.permission
  s.permission = fact.permission
  if (fact.permission === 'granted' && (previousPermission === 'not_determined' || previousPermission === 'denied')) {
    optIn(s, fact.at, ctx)
  }
  if (fact.token === undefined) {
    if (ctx.platform === 'web' && fact.permission === 'denied' && isLive(s)) end(s, 'revoked', fact.at, ctx)
    return
  }
  const key = tokenKey(fact.token)
  const live = isLive(s) ? s.current : null
  if (live === null) {
    for (const owner of ownersOf(s)) record(s, ctx, fact.at, 'registered', fact.token, null, owner)
  } else if (live.key !== key) {
    for (const owner of ownersOf(s)) record(s, ctx, fact.at, 'rotated', fact.token, owner, owner, live.token)
  }
  s.current = { token: fact.token, key, reportedAt: fact.at, environment: fact.apnsEnvironment }
  s.status = 'active'
  s.confirmations.clear()
}

/** R12, D3: the owner at that time opts in, unless the policy or Android ≤ 12 says otherwise. */
const optIn = (s: FoldState, at: Instant, ctx: FoldContext): void => {
  if (!ctx.policy.optInWhenPushAuthorized || s.owner === null || s.owner === erasedUser) return
  if (ctx.platform === 'android' && isLegacyAndroid(s.osVersion)) return
  const previous = s.optIns.get(s.owner)
  if (previous === undefined || previous < at) s.optIns.set(s.owner, at)
}

const applyTokenEvent = (s: FoldState, event: TokenEvent, ctx: FoldContext): void => {
  const live = s.current
  if (live === null || live.key !== event.key || !isLive(s)) return
  switch (event.kind) {
    case 'claim':
      // R3: a later report of the same token by another device moves it there; equal times
      // go to the greater device id, the same tie-break the token record uses.
      if (live.reportedAt < event.at || (live.reportedAt === event.at && ctx.deviceId < event.deviceId)) {
        end(s, 'moved', event.at, ctx)
      }
      return
    case 'dead':
      // R17: the token was last registered at or before the evidence time.
      return end(s, 'dead', event.at, ctx)
    case 'ambiguous':
      return quarantine(s, event, ctx)
    case 'delivered':
      if (s.status === 'suspect') {
        s.status = 'active'
        s.confirmations.clear()
      }
      return
  }
}

/**
 * R18, D6: an ambiguous answer quarantines the token; it is dead once the same dispatch
 * delivered to another token of the app, or after `suspectConfirmations` ambiguous answers
 * from distinct dispatches.
 */
const quarantine = (
  s: FoldState,
  event: Extract<TokenEvent, { kind: 'ambiguous' }>,
  ctx: FoldContext,
): void => {
  if (s.status === 'active') {
    s.status = 'suspect'
    s.suspectSince = event.at
    s.confirmations.clear()
  }
  s.confirmations.add(event.confirmation)
  if (event.confirmedByDispatch || s.confirmations.size >= ctx.policy.suspectConfirmations) {
    end(s, 'dead', event.at, ctx)
  }
}

const end = (s: FoldState, reason: EndReason, at: Instant, ctx: FoldContext): void => {
  const live = s.current
  if (live === null) return
  for (const owner of ownersOf(s)) record(s, ctx, at, 'invalidated', live.token, owner, null, undefined, reason)
  s.status = 'ended'
  s.endReason = reason
  s.endedAt = at
  s.confirmations.clear()
}

/** The users an entry concerns: the owner, or every signed-in account in shared mode. */
const ownersOf = (s: FoldState): readonly (UserId | null)[] =>
  s.signedIn.length > 0 ? s.signedIn : [s.owner]

const record = (
  s: FoldState,
  ctx: FoldContext,
  at: Instant,
  kind: ChangelogEntry['kind'],
  token: PushToken,
  from: UserId | null,
  to: UserId | null,
  previousToken?: PushToken,
  reason?: EndReason,
): void => {
  s.entries.push({
    at,
    appId: ctx.appId,
    deviceId: ctx.deviceId,
    kind,
    token,
    from: from === erasedUser ? null : from,
    to: to === erasedUser ? null : to,
    ...(previousToken === undefined ? {} : { previousToken }),
    ...(reason === undefined ? {} : { reason }),
  })
}

const viewOf = (s: FoldState, facts: readonly DeviceFact[], folded: readonly OptIn[], ctx: FoldContext): RegistrationView => {
  // An erased user is no one: never an owner, seen, or opted in (`erasedUser`).
  const shared = ctx.policy.ownership === 'shared'
  const signedIn = shared ? exact(s.signedIn.filter((u) => u !== erasedUser)) : emptyList
  const owner = shared ? (signedIn.at(-1) ?? null) : s.owner === erasedUser ? null : s.owner
  const owners = shared ? signedIn : owner === null ? emptyList : [owner]
  const horizon = ctx.horizon
  const optIns = mergeOptIns(ctx.settledOptIns ?? emptyList, horizon === undefined ? folded : folded.filter((o) => o.at >= horizon)).filter(
    (o) => o.userId !== erasedUser,
  )
  const seenUsers = [...s.seen].filter((u) => u !== erasedUser).sort()
  const optInList = optIns.length === 0 ? emptyList : exact(optIns)
  return {
    owner,
    owners,
    // Usually the one user who ever logged in is the owner: share the list.
    seenUsers: sameList(seenUsers, owners) ? owners : exact(seenUsers),
    token: tokenStateOf(s, ctx),
    optIns: optInList,
    known: facts.some((f) => isReport(f) || f.type === 'user_changed'),
  }
}

/** The latest opt-in per user of both lists, sorted by user (R12). */
export const mergeOptIns = (a: readonly OptIn[], b: readonly OptIn[]): OptIn[] => {
  // Most registrations hold no opt-in, or one.
  if (a.length + b.length <= 1) return a.length === 1 ? [...a] : [...b]
  const latest = new Map<UserId, Instant>()
  for (const o of [...a, ...b]) {
    const previous = latest.get(o.userId)
    if (previous === undefined || previous < o.at) latest.set(o.userId, o.at)
  }
  const merged = [...latest].map(([userId, at]) => ({ userId, at }))
  return merged.sort((x, y) => (x.userId < y.userId ? -1 : 1))
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])

const tokenStateOf = (s: FoldState, ctx: FoldContext): TokenState => {
  const live = s.current
  if (live === null || s.status === 'none') return { status: 'none' }
  switch (s.status) {
    case 'active':
      return {
        status: 'active',
        token: live.token,
        key: live.key,
        capability: capabilityOf(ctx.platform, s.osVersion, s.permission ?? 'not_determined'),
        reportedAt: live.reportedAt,
        ...(live.environment === undefined ? {} : { environment: live.environment }),
      }
    case 'suspect':
      return { status: 'suspect', token: live.token, key: live.key, reportedAt: live.reportedAt, since: s.suspectSince }
    case 'ended':
      return { status: 'ended', token: live.token, key: live.key, reason: s.endReason, endedAt: s.endedAt, reportedAt: live.reportedAt }
  }
}
