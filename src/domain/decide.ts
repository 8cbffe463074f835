import type { AppId, DeviceId, DispatchId, Instant, UserId } from './brand.js'
import { classifyAnswer, deadEvidenceAt } from './answer.js'
import { normalizeContact, withContactClaim } from './contact.js'
import type { DeviceFact, DeliveryReported, Input, ProviderAnswer, SubscriptionSet, UserAttributes } from './input.js'
import { isDeviceFact, isReport } from './input.js'
import { emptyList, insertSorted, sameCanonical } from './order.js'
import type { DispatchEvidence } from './dispatch-verdict.js'
import { ambiguousVerdict, verdictChanges, withDispatchAnswer } from './dispatch-verdict.js'
import type { App } from './app.js'
import type { ChangelogEntry } from './changelog.js'
import { entryUser } from './changelog.js'
import type { NextReport } from './claims.js'
import { boundedToken, claimantAt, claimNeighbours, compareClaims, withClaim } from './claims.js'
import type { EvidenceContext } from './token-evidence.js'
import { boundedEvidence, isSettled } from './token-evidence.js'
import { compactBefore, horizonOf } from './compaction.js'
import type { KeptFact } from './repeats.js'
import { newestAt, occurrences, withOccurrence } from './repeats.js'
import type { AppPolicy } from './policy.js'
import type { RegistrationShell } from './project.js'
import { entriesNotIn, foldEvidence, projectRegistration } from './project.js'
import { currentTokenKey, mergeOptIns, reportedTokenKeys } from './registration-fold.js'
import type {
  Claim,
  ContactKind,
  ContactRecord,
  DispatchRecord,
  LatestOptIn,
  OptIn,
  RecordKey,
  RegistrationRecord,
  RegistrationRef,
  RegistrationView,
  TokenRecord,
  UserRecord,
} from './records.js'
import { deliveryMarkKey, dispatchKey, registrationKey, tokenRecordKey, userKey } from './records.js'
import { erasedUser } from './erased-user.js'
import { addLink, allLinks, isLaterOptIn, isUnlinked, latestOf, linkNeeds, namedBy, namedUsers, optInAt, sameRef, withoutLegacyLists } from './user-links.js'
import { laterStamp } from './subscription.js'
import type { ReleaseDispatchRecord } from './release-001.js'
import { currentDispatch, isReleaseDispatch, releaseDispatchMarks } from './release-001.js'
import type { TokenKey } from './token.js'
import { tokenKey } from './token.js'
import type { Catalog, Reads, World } from './world.js'
import { Overlay, reads } from './world.js'

/**
 * The records an input's transition reads, given what is loaded so far. The shell loads the
 * missing ones and asks again until nothing is missing: what an input touches can depend on
 * records (the devices that claimed a token, the dispatches of its ambiguous answers). The
 * evidence of a registration's earlier tokens is named only when the input settles history
 * (D14).
 */
export const needs = (world: World, input: Input, catalog: Catalog): RecordKey[] => {
  const read = reads(world)
  if (isDeviceFact(input)) return deviceFactNeeds(world, read, input, catalog)
  switch (input.type) {
    case 'provider_answer':
      return answerNeeds(read, input, catalog)
    case 'subscription_set':
      return [userKey(input.userId)]
    case 'user_attributes':
      return [userKey(input.userId), ...contactKeys(input).flatMap((key) => [key, ...linkNeeds(world, input.userId, key)])]
    case 'delivery_reported':
      return [dispatchKey(input.appId, input.dispatchId), deliveryMarkKey(input.appId, input.dispatchId, input.deviceId, input.event)]
  }
}

/**
 * The decider: the records an accepted input changes, given the records `needs` named. An
 * input already applied changes nothing, so duplicates and retries are harmless (I9).
 */
export const decide = (world: World, input: Input, catalog: Catalog): RegistryRecordChange => {
  const tx = new Overlay(world)
  if (isDeviceFact(input)) applyDeviceFact(tx, reads(world), input, catalog)
  else {
    switch (input.type) {
      case 'provider_answer':
        applyAnswer(tx, reads(world), input, catalog)
        break
      case 'subscription_set':
        applySubscription(tx, input)
        break
      case 'user_attributes':
        applyAttributes(tx, input)
        break
      case 'delivery_reported':
        applyDelivery(tx, input)
        break
    }
  }
  return tx.written()
}

export type RegistryRecordChange = ReturnType<Overlay['written']>

// ---------------------------------------------------------------- what each input reads

const deviceFactNeeds = (world: World, read: Reads, fact: DeviceFact, catalog: Catalog): RecordKey[] => {
  const keys: RecordKey[] = [registrationKey(fact.appId, fact.deviceId)]
  const existing = read.registration(fact.appId, fact.deviceId)
  const facts = withOccurrence(existing?.facts ?? emptyList, fact)
  const reported = 'token' in fact && fact.token !== undefined ? tokenKey(fact.token) : null
  if (reported !== null) {
    keys.push(...evidenceNeeds(read, fact.appId, reported))
    keys.push(...claimantNeeds(read, fact.appId, claimNeighbours(read.token(fact.appId, reported), fact.deviceId, fact.at)))
  }
  const current = currentTokenKey(facts)
  if (current !== null && current !== reported) keys.push(...evidenceNeeds(read, fact.appId, current))
  // D14: settling the window's changelog reads the evidence of every token it reported; only
  // an input that moves the horizon or arrives late settles.
  const horizon = existing?.horizon ?? null
  const settles =
    (horizon !== null && fact.at < horizon) ||
    horizonOf(facts, catalog.policy(fact.appId).reorderWindow, horizon) !== horizon
  if (settles) for (const key of reportedTokenKeys(facts)) if (key !== reported && key !== current) keys.push(...evidenceNeeds(read, fact.appId, key))
  // D14: the users already named on the device are not read (their records do not list it);
  // one named here for the first time gets a link, and its user record if they are new.
  const named = namedBy(fact)
  // Until the registration is loaded, whether the user is new there is unknown: their record
  // and the root of their links are named anyway, so that the first read serves a new device
  // (or a new user on a known one) as well as a repeat, where the read answers them for
  // nothing. Once it is loaded, a repeated input of a known user reads nothing of theirs.
  const loaded = world.has?.(keys[0] as RecordKey) ?? true
  if (named !== null && (!loaded || existing === undefined || !namedUsers(existing.facts).has(named))) {
    keys.push(userKey(named), ...linkNeeds(world, named, { kind: 'registration', appId: fact.appId, deviceId: fact.deviceId }))
  }
  return keys
}

/** A token's record and the dispatches its quarantine reads (D6). */
const evidenceNeeds = (read: Reads, appId: AppId, key: TokenKey): RecordKey[] => evidenceKeys(appId, key, read.token(appId, key))

const evidenceKeys = (appId: AppId, key: TokenKey, record: TokenRecord | undefined): RecordKey[] => {
  const keys: RecordKey[] = [tokenRecordKey(appId, key)]
  for (const answer of record?.ambiguous ?? emptyList) {
    if (answer.dispatchId !== null) keys.push(dispatchKey(appId, answer.dispatchId))
  }
  return keys
}

/**
 * The registrations of the claimants whose view an input can change (at most a few, whatever
 * the number of devices that claimed the token: `claims.ts`). D14: when its evidence lands
 * before a claimant's horizon, it appends the changelog entries it adds there, to the users
 * seen on that registration: they are read too.
 */
const claimantNeeds = (read: Reads, appId: AppId, claimants: readonly Claim[]): RecordKey[] => {
  const keys: RecordKey[] = []
  for (const claimant of claimants) {
    keys.push(registrationKey(appId, claimant.deviceId))
    const holder = read.registration(appId, claimant.deviceId)
    if (holder?.horizon !== undefined && claimant.at < holder.horizon) for (const userId of holder.view.seenUsers) keys.push(userKey(userId))
  }
  return keys
}

/** R3, R16–R18: the claimant at an evidence time, the one registration whose view that evidence can change. */
const claimantsAt = (record: TokenRecord | undefined, at: Instant): Claim[] => {
  const claimant = claimantAt(record, at)
  return claimant === undefined ? [] : [{ deviceId: claimant.deviceId, at }]
}

/**
 * The claimants an answer about its own token can change: the one at its evidence time and,
 * when it is evidence of a dispatch, those of the token's other answers in that dispatch, whose
 * verdict it may change (R18, D6).
 */
const answerClaimants = (record: TokenRecord | undefined, answer: ProviderAnswer): Claim[] => [
  ...claimantsAt(record, deadEvidenceAt(answer)),
  ...(answer.dispatchId === undefined ? [] : verdictClaimants(record, answer.dispatchId)),
]

/**
 * R18, D6: a verdict change of a dispatch re-judges the token's ambiguous answers of that
 * dispatch; each can change the view of the claimant at its time.
 */
const verdictClaimants = (record: TokenRecord | undefined, dispatchId: DispatchId): Claim[] =>
  (record?.ambiguous ?? emptyList).filter((a) => a.dispatchId === dispatchId).flatMap((a) => claimantsAt(record, a.at))

/** An answer's token, and when it is dispatch evidence, its dispatch and the tokens whose verdict it changes (R18, D6). */
const answerNeeds = (read: Reads, answer: ProviderAnswer, catalog: Catalog): RecordKey[] => {
  const key = tokenKey(answer.token)
  const keys = [...evidenceNeeds(read, answer.appId, key), ...claimantNeeds(read, answer.appId, answerClaimants(read.token(answer.appId, key), answer))]
  const evidence = dispatchEvidence(answer)
  if (answer.dispatchId === undefined || evidence === null) return keys
  keys.push(dispatchKey(answer.appId, answer.dispatchId))
  const dispatch = read.dispatch(answer.appId, answer.dispatchId)
  if (dispatch === undefined) return keys
  const threshold = catalog.policy(answer.appId).ambiguousAlikeThreshold
  for (const other of verdictChanges(dispatch, withDispatchAnswer(dispatch, key, evidence), key, threshold)) {
    keys.push(...evidenceNeeds(read, answer.appId, other))
    keys.push(...claimantNeeds(read, answer.appId, verdictClaimants(read.token(answer.appId, other), answer.dispatchId)))
  }
  return keys
}

/** The class of an answer when a dispatch record keeps track of it (R18, D6), else `null`. */
const dispatchEvidence = (answer: ProviderAnswer): DispatchEvidence | null => {
  const verdict = classifyAnswer(answer).class
  return verdict === 'ambiguous' || verdict === 'delivered' || verdict === 'dead' ? verdict : null
}

const contactKeys = (input: UserAttributes): (RecordKey & { readonly kind: 'contact' })[] => {
  const keys: (RecordKey & { readonly kind: 'contact' })[] = []
  for (const kind of ['email', 'phone'] as const) {
    const value = input[kind]
    if (typeof value === 'string') keys.push({ kind: 'contact', contact: kind, value: normalizeContact(kind, value) })
  }
  return keys
}

// ---------------------------------------------------------------- device facts

const applyDeviceFact = (tx: Overlay, previous: Reads, fact: DeviceFact, catalog: Catalog): void => {
  const read = reads(tx)
  const existing = read.registration(fact.appId, fact.deviceId)
  const before = existing?.facts ?? emptyList
  const collapsed = withOccurrence(before, fact)
  if (existing !== undefined && collapsed === before) return
  const policy = catalog.policy(fact.appId)
  // D14: repeats join the fact they repeat (`repeats.ts`); the horizon follows the newest `at`,
  // and what falls behind it is compacted to the facts that still set a value.
  const horizon0 = existing?.horizon ?? null
  const horizon = horizonOf(collapsed, policy.reorderWindow, horizon0)
  const facts = compactBefore(collapsed, horizon)
  if (existing !== undefined && horizon === horizon0 && sameFacts(facts, before)) return
  const reported = 'token' in fact && fact.token !== undefined ? tokenKey(fact.token) : null
  const neighbours = reported === null ? emptyList : claimNeighbours(read.token(fact.appId, reported), fact.deviceId, fact.at)
  if (reported !== null) {
    const record = read.token(fact.appId, reported) ?? emptyToken(fact.appId, reported)
    const claimed = boundedToken(withClaim(record, fact.deviceId, fact.at, nextReportOf(read, fact.appId, reported)))
    tx.put(boundedEvidence(claimed, evidenceContext(read, fact.appId, reported, policy)))
  }
  const app = catalog.app(fact.appId)
  if (app === undefined) return
  const shell = { appId: fact.appId, deviceId: fact.deviceId, ...(existing?.settledOptIns === undefined ? {} : { settledOptIns: existing.settledOptIns }) }
  const prior = horizon0 === null ? shell : { ...shell, horizon: horizon0 }
  const settled = settle(prior, before, collapsed, horizon, fact.at, app, policy, read)
  const settledOptIns = settled.optIns.length === 0 ? existing?.settledOptIns : settled.optIns
  const next: RegistrationShell = { appId: fact.appId, deviceId: fact.deviceId, horizon: horizon ?? undefined, settledOptIns }
  const view = projectRegistration(next, facts, app, policy, read)
  tx.put(registrationRecord(fact.appId, fact.deviceId, facts, view, horizon, settledOptIns))
  if (reported !== null) reprojectClaimants(tx, previous, fact.appId, reported, neighbours, catalog)
  syncLinks(tx, { appId: fact.appId, deviceId: fact.deviceId }, existing, facts, view)
  appendEntries(tx, settled.entries)
}

/**
 * A registration record as one literal per shape: a record built by spreads keeps its fields in
 * a separate property array (40 bytes more per record), and stores hold millions.
 */
const registrationRecord = (
  appId: AppId,
  deviceId: DeviceId,
  facts: readonly KeptFact[],
  view: RegistrationView,
  horizon: Instant | null,
  settledOptIns: readonly OptIn[] | undefined,
): RegistrationRecord => {
  if (horizon === null) {
    return settledOptIns === undefined ? { kind: 'registration', appId, deviceId, facts, view } : { kind: 'registration', appId, deviceId, facts, view, settledOptIns }
  }
  return settledOptIns === undefined
    ? { kind: 'registration', appId, deviceId, facts, view, horizon }
    : { kind: 'registration', appId, deviceId, facts, view, horizon, settledOptIns }
}

/**
 * R3: a device's first report of `key` after a claim, from its registration's facts (loaded:
 * `claimNeighbours` names the device whose holding a claim can split).
 */
const nextReportOf =
  (read: Reads, appId: AppId, key: TokenKey): NextReport =>
  (deviceId, after) => {
    for (const fact of read.registration(appId, deviceId)?.facts ?? emptyList) {
      if (!isReport(fact) || fact.token === undefined || tokenKey(fact.token) !== key) continue
      for (const at of occurrences(fact)) {
        const report = { deviceId, at }
        if (compareClaims(report, after) > 0) return report
      }
    }
    return undefined
  }

const sameFacts = (a: readonly KeptFact[], b: readonly KeptFact[]): boolean => a.length === b.length && a.every((f, i) => f === b[i])

/**
 * D14: what the fold produced between the old horizon and the new one, which the compacted
 * facts will no longer give: its changelog entries and opt-ins, settled. For a late input (`at`
 * before the old horizon), also what it adds before the old horizon, compared with the fold
 * without it: appended, since the facts around it are gone.
 */
const settle = (
  prior: RegistrationShell,
  before: readonly KeptFact[],
  after: readonly KeptFact[],
  horizon: Instant | null,
  at: Instant,
  app: App,
  policy: AppPolicy,
  read: Reads,
): { readonly entries: readonly ChangelogEntry[]; readonly optIns: readonly OptIn[] } => {
  const h0 = prior.horizon ?? null
  const settledOptIns = prior.settledOptIns ?? emptyList
  const late = h0 !== null && at < h0
  if (horizon === null || (horizon === h0 && !late)) return { entries: emptyList, optIns: settledOptIns }
  // Expiries before the horizon are history too: the newest `at` is past them (R19, D7).
  const newest = newestAt(after) as Instant
  const folded = foldEvidence(prior, after, 'every', app, policy, read, newest)
  const leaving = (x: { readonly at: Instant }): boolean => x.at < horizon && (h0 === null || x.at >= h0)
  const entries = folded.changelog.filter(leaving)
  const optIns = folded.optIns.filter(leaving)
  if (late) {
    const without = foldEvidence(prior, before, 'every', app, policy, read, newest)
    entries.push(...entriesNotIn(folded.changelog.filter((e) => e.at < h0), without.changelog.filter((e) => e.at < h0)))
    const earlier = new Map(without.optIns.map((o) => [o.userId, o.at]))
    optIns.push(...folded.optIns.filter((o) => o.at < h0 && (earlier.get(o.userId) ?? -Infinity) < o.at))
  }
  return { entries, optIns: optIns.length === 0 ? settledOptIns : mergeOptIns(settledOptIns, optIns) }
}

/**
 * R9, D14: appends settled entries to the changelog of the user each belongs to, as records of
 * their own. The anonymous user's entries are never shown, so they are not stored.
 */
const appendEntries = (tx: Overlay, entries: readonly ChangelogEntry[]): void => {
  const read = reads(tx)
  for (const entry of entries) {
    const userId = entryUser(entry)
    if (userId === null) continue
    const user = withoutLegacyLists(tx, read.user(userId) ?? emptyUser(userId))
    const seq = user.changelog ?? 0
    tx.put({ kind: 'changelog', userId, seq, entry })
    // Erasing a user named in another's entry finds it through their links.
    for (const other of new Set([entry.from, entry.to])) {
      if (other !== null && other !== userId && other !== erasedUser) addLink(tx, other, { kind: 'changelog', userId, seq })
    }
    tx.put({ ...user, changelog: seq + 1 })
  }
}

/**
 * Re-derives the views of the claimants an input about `key` can change, when `key` is their
 * current token (R3, R16–R18): at most a few, named by `claims.ts`. `previous` is the world
 * before the input: evidence (as of a claimant's `at`) that lands before its horizon appends
 * the changelog entries it adds there, since they are no longer re-derived (D14).
 */
const reprojectClaimants = (
  tx: Overlay,
  previous: Reads,
  appId: AppId,
  key: TokenKey,
  claimants: readonly Claim[],
  catalog: Catalog,
): void => {
  const read = reads(tx)
  const app = catalog.app(appId)
  if (read.token(appId, key) === undefined || app === undefined) return
  const policy = catalog.policy(appId)
  // Once per device, from the earliest time it changes: appending its entries twice would
  // show them twice.
  const earliest = new Map<DeviceId, Instant>()
  for (const { deviceId, at } of claimants) earliest.set(deviceId, Math.min(at, earliest.get(deviceId) ?? at) as Instant)
  for (const [deviceId, at] of earliest) {
    const registration = read.registration(appId, deviceId)
    if (registration === undefined) continue
    if (currentTokenKey(registration.facts) === key) {
      const view = projectRegistration(registration, registration.facts, app, policy, read)
      if (!sameContent(view, registration.view)) tx.put({ ...registration, view })
    }
    const horizon = registration.horizon
    if (horizon !== undefined && at < horizon) {
      // The entries this token's new evidence adds before the horizon, whether or not the
      // device still holds the token.
      const now = newestAt(registration.facts) as Instant
      const history = (world: Reads) =>
        foldEvidence(registration, registration.facts, key, app, policy, world, now).changelog.filter((e) => e.at < horizon)
      appendEntries(tx, entriesNotIn(history(read), history(previous)))
    }
  }
}

/**
 * Content equality, whatever the key order: a store may hand records back with their keys
 * reordered (PostgreSQL's jsonb does), and that must not look like a change.
 */
const sameContent = (a: unknown, b: unknown): boolean => sameCanonical(a, b)

/**
 * D2, R12, D14: what the registration's users hold of it. A user named on it for the first
 * time gets a link to it (and a user record when first seen anywhere); a user whose opt-in
 * there changed gets their latest opt-in updated. Nothing else is written: an input that
 * changes neither writes no user-side record, however many devices the user is on.
 */
const syncLinks = (tx: Overlay, ref: RegistrationRef, before: RegistrationRecord | undefined, facts: readonly DeviceFact[], view: RegistrationView): void => {
  const read = reads(tx)
  const namedBefore = namedUsers(before?.facts ?? emptyList)
  const seenBefore = before?.view.seenUsers ?? emptyList
  for (const userId of namedUsers(facts)) {
    const newlySeen = !seenBefore.includes(userId) && view.seenUsers.includes(userId)
    const user = newlySeen || !namedBefore.has(userId) ? read.user(userId) : undefined
    if (newlySeen && user === undefined) tx.put(emptyUser(userId))
    // A release before links listed only where a user was seen: an unlinked user seen where
    // they were only named before gets the link it lacks (readers drop repeated links).
    if (!namedBefore.has(userId) || (newlySeen && isUnlinked(user))) addLink(tx, userId, { kind: 'registration', appId: ref.appId, deviceId: ref.deviceId })
  }
  const was = new Map((before?.view.optIns ?? emptyList).map((o) => [o.userId, o.at]))
  const is = new Map(view.optIns.map((o) => [o.userId, o.at]))
  for (const userId of new Set([...was.keys(), ...is.keys()])) {
    if (was.get(userId) !== is.get(userId)) changeOptIn(tx, userId, ref, is.get(userId))
  }
}

/**
 * R12: one registration's opt-in of `userId` is now `at` (`undefined`: none). Their latest
 * opt-in moves to it when it is later; when it was the latest and moved back, the latest is
 * found again among every registration they are linked to (rare: a late input that gives the
 * opt-in to someone else). The user record is written in every case, so that two commits
 * changing opt-ins of one user conflict, and a recomputation never misses a concurrent one.
 */
const changeOptIn = (tx: Overlay, userId: UserId, ref: RegistrationRef, at: Instant | undefined): void => {
  const read = reads(tx)
  const user = withoutLegacyLists(tx, read.user(userId) ?? emptyUser(userId))
  const holder = user.latestOptIn
  const candidate = optInAt(ref, at)
  let latest: LatestOptIn | undefined = holder
  if (candidate !== undefined && (holder === undefined || isLaterOptIn(candidate, holder))) latest = candidate
  else if (holder !== undefined && sameRef(holder, ref)) latest = linkedOptIns(tx, userId)
  const { latestOptIn: _, ...rest } = user
  tx.put(latest === undefined ? rest : { ...rest, latestOptIn: latest })
}

/** The latest opt-in of `userId` over every registration linked to them, as `tx` sees them now. */
const linkedOptIns = (tx: Overlay, userId: UserId): LatestOptIn | undefined => {
  const read = reads(tx)
  const candidates: LatestOptIn[] = []
  for (const link of allLinks(tx, userId)) {
    if (link.kind !== 'registration') continue
    const candidate = optInAt(link, read.registration(link.appId, link.deviceId)?.view.optIns.find((o) => o.userId === userId)?.at)
    if (candidate !== undefined) candidates.push(candidate)
  }
  return latestOf(candidates)
}

// ---------------------------------------------------------------- token records

const emptyToken = (appId: AppId, key: TokenKey): TokenRecord => ({
  kind: 'token',
  appId,
  key,
  claims: emptyList,
  deaths: emptyList,
  ambiguous: emptyList,
  deliveries: emptyList,
})

/**
 * D14, R17, R18: what bounding a token's evidence reads (`token-evidence.ts`): its holders'
 * reports of it, from the registrations at hand, and its answers' verdicts, from their
 * dispatches (`needs` loads every dispatch the record names).
 */
const evidenceContext = (read: Reads, appId: AppId, key: TokenKey, policy: AppPolicy): EvidenceContext => ({
  reportsOf: (deviceId) => {
    const registration = read.registration(appId, deviceId)
    if (registration === undefined) return undefined
    const times: Instant[] = []
    for (const fact of registration.facts) if (isReport(fact) && fact.token !== undefined && tokenKey(fact.token) === key) times.push(...occurrences(fact))
    return times
  },
  verdict: (answer) => (answer.dispatchId === null ? 'suspect' : ambiguousVerdict(read.dispatch(appId, answer.dispatchId), key, policy.ambiguousAlikeThreshold)),
  suspectConfirmations: policy.suspectConfirmations,
})

const compareNumbers = (a: number, b: number): number => a - b

const compareAmbiguous = (a: TokenRecord['ambiguous'][number], b: TokenRecord['ambiguous'][number]): number =>
  a.at !== b.at ? a.at - b.at : (a.dispatchId ?? '') < (b.dispatchId ?? '') ? -1 : (a.dispatchId ?? '') > (b.dispatchId ?? '') ? 1 : 0

// ---------------------------------------------------------------- provider answers

/**
 * R15–R18, D6, D9, I10: only `dead`, `ambiguous` and `delivered` answers are evidence about a
 * token; `credentials`, `payload` and `transient` ones change nothing, however many arrive.
 * Evidence is kept even for a token no device reported yet: the report may be on its way
 * with an earlier time (R20).
 */
const applyAnswer = (tx: Overlay, previous: Reads, answer: ProviderAnswer, catalog: Catalog): void => {
  const read = reads(tx)
  const key = tokenKey(answer.token)
  const stored = read.token(answer.appId, key)
  // A record written by an earlier release is written back bounded (`claims.ts`).
  const record = boundedToken(stored ?? emptyToken(answer.appId, key))
  const verdict = classifyAnswer(answer).class
  let next: TokenRecord = record
  switch (verdict) {
    case 'dead':
      next = { ...record, deaths: insertSorted(record.deaths, deadEvidenceAt(answer), compareNumbers) }
      break
    case 'ambiguous':
      // D14: where the stretch's quarantines were compacted, the answer is already reflected.
      if (isSettled(record, answer.at, evidenceContext(read, answer.appId, key, catalog.policy(answer.appId)))) break
      next = {
        ...record,
        ambiguous: insertSorted(record.ambiguous, { at: answer.at, dispatchId: answer.dispatchId ?? null }, compareAmbiguous),
      }
      break
    case 'delivered':
      if (isSettled(record, answer.at, evidenceContext(read, answer.appId, key, catalog.policy(answer.appId)))) break
      next = { ...record, deliveries: insertSorted(record.deliveries, answer.at, compareNumbers) }
      break
    default:
      return
  }
  // The dispatch first: bounding the evidence reads the verdicts it gives (R18, D6).
  if (answer.dispatchId !== undefined) applyDispatchEvidence(tx, previous, { ...answer, dispatchId: answer.dispatchId }, key, verdict, catalog)
  next = boundedEvidence(next, evidenceContext(reads(tx), answer.appId, key, catalog.policy(answer.appId)))
  if (stored === undefined || !sameContent(next, stored)) tx.put(next)
  reprojectClaimants(tx, previous, answer.appId, key, answerClaimants(next, answer), catalog)
}

/**
 * R18, D6: records the answer on its dispatch, and re-projects the other tokens whose verdict
 * that changes, whatever the order the dispatch's answers arrive in (I9).
 */
const applyDispatchEvidence = (
  tx: Overlay,
  previous: Reads,
  answer: ProviderAnswer & { readonly dispatchId: DispatchId },
  key: TokenKey,
  evidence: DispatchEvidence,
  catalog: Catalog,
): void => {
  const { appId, dispatchId } = answer
  const read = reads(tx)
  rewriteReleaseDispatch(tx, appId, dispatchId)
  const existing = read.dispatch(appId, dispatchId)
  const dispatch = existing ?? emptyDispatch(appId, dispatchId)
  const updated = withDispatchAnswer(dispatch, key, evidence)
  if (existing === undefined || updated !== dispatch) tx.put(updated)
  for (const other of verdictChanges(dispatch, updated, key, catalog.policy(appId).ambiguousAlikeThreshold)) {
    reprojectClaimants(tx, previous, appId, other, verdictClaimants(read.token(appId, other), dispatchId), catalog)
  }
}

/**
 * A dispatch record release 001 wrote is rewritten in today's shape, with a mark per device it
 * listed, before anything changes it: its lists are what keeps those devices counted once.
 */
const rewriteReleaseDispatch = (tx: Overlay, appId: AppId, dispatchId: DispatchId): void => {
  const stored = tx.get(dispatchKey(appId, dispatchId)) as DispatchRecord | ReleaseDispatchRecord | undefined
  if (stored === undefined || !isReleaseDispatch(stored)) return
  for (const mark of releaseDispatchMarks(stored)) tx.put(mark)
  tx.put(currentDispatch(stored))
}

/** A dispatch record nothing was recorded on yet (D6). */
export const emptyDispatch = (appId: AppId, dispatchId: DispatchId): DispatchRecord => ({
  kind: 'dispatch',
  appId,
  dispatchId,
  delivered: emptyList,
  ambiguous: emptyList,
  received: 0,
  opened: 0,
})

/**
 * D14: delivery statistics count each device once per dispatch and event, whatever the
 * retries: the device's mark and the counter's increment are written together, and only when
 * the mark is absent. Neither record grows with the audience.
 */
const applyDelivery = (tx: Overlay, input: DeliveryReported): void => {
  const read = reads(tx)
  rewriteReleaseDispatch(tx, input.appId, input.dispatchId)
  if (read.deliveryMark(input.appId, input.dispatchId, input.deviceId, input.event) !== undefined) return
  const dispatch = read.dispatch(input.appId, input.dispatchId) ?? emptyDispatch(input.appId, input.dispatchId)
  const { appId, dispatchId, deviceId, event } = input
  tx.put({ kind: 'delivery', appId, dispatchId, deviceId, event })
  tx.put({ ...dispatch, [event]: dispatch[event] + 1 })
}

// ---------------------------------------------------------------- users

const emptyUser = (userId: UserId): UserRecord => ({
  kind: 'user',
  userId,
  subscription: null,
  email: null,
  phone: null,
})

/** R11, R13: the latest explicit setting wins. */
const applySubscription = (tx: Overlay, input: SubscriptionSet): void => {
  const read = reads(tx)
  const existing = read.user(input.userId)
  const user = existing ?? emptyUser(input.userId)
  const subscription = laterStamp(user.subscription, { at: input.at, value: input.state })
  if (existing === undefined || subscription !== user.subscription) tx.put({ ...withoutLegacyLists(tx, user), subscription })
}

/** D11: an absent field changes nothing; each address remembers who claimed it, and when (the latest claims, D14). */
const applyAttributes = (tx: Overlay, input: UserAttributes): void => {
  const read = reads(tx)
  const existing = read.user(input.userId)
  let user = existing ?? emptyUser(input.userId)
  for (const kind of ['email', 'phone'] as const) {
    const value = input[kind]
    if (value === undefined) continue
    const normal = value === null ? null : normalizeContact(kind, value)
    user = { ...user, [kind]: laterStamp(user[kind], { at: input.at, value: normal }) }
    if (normal !== null) claimContact(tx, kind, normal, input.userId, input.at)
  }
  if (existing === undefined || user.email !== existing.email || user.phone !== existing.phone) tx.put(withoutLegacyLists(tx, user))
}

const claimContact = (tx: Overlay, contact: ContactKind, value: string, userId: UserId, at: Instant): void => {
  const existing = reads(tx).contact(contact, value)
  const record: ContactRecord = existing ?? { kind: 'contact', contact, value, claims: emptyList }
  // Erasing the user finds every address they ever claimed through their links (D11), even one
  // whose record keeps only later claims: the links are then a function of the claims (I9).
  addLink(tx, userId, { kind: 'contact', contact, value })
  const next = withContactClaim(record, userId, at)
  if (existing === undefined || next !== existing) tx.put(next)
}
