import type { Instant, UserId } from '../domain/brand.js'
import { eraseFromChangelog, eraseFromContact, eraseFromFacts, eraseFromSettled } from '../domain/erasure.js'
import { projectRegistration } from '../domain/project.js'
import type { ChangelogEntryRecord, ContactRecord, RecordKey, RegistrationRecord, RegistrationView, RegistryRecord, UserRecord } from '../domain/records.js'
import { dispatchKey, registrationKey, tokenRecordKey, userKey } from '../domain/records.js'
import { currentTokenKey } from '../domain/registration-fold.js'
import type { Catalog } from '../domain/world.js'
import { reads } from '../domain/world.js'
import type { RecordDelete, RecordWrite } from '../ports/storage.js'
import { draftsOf } from './change-feed.js'
import { ContentionError } from './errors.js'
import type { PendingEvent } from './events.js'
import { eventsOf } from './events.js'
import type { GuardedStorage } from './store.js'
import { WorkingSet } from './store.js'

/** What `registry.erase` did. */
export interface EraseReport {
  /** Whether the user was known (a second erasure of the same user finds nothing: `false`). */
  readonly erased: boolean
  /** Registrations the user was removed from. */
  readonly registrations: number
  /** Contact addresses (D11) the user's claim was removed from. */
  readonly contacts: number
}

export interface EraseDeps {
  readonly storage: GuardedStorage
  readonly catalog: Catalog
  readonly now: () => number
  /** Called once a commit applied, with the events it wrote to the feed. */
  readonly committed: (events: readonly PendingEvent[]) => void
  readonly maxAttempts: number
}

/** Registrations erased per commit: a user on thousands of devices is erased in bounded steps. */
const pageSize = 100

/**
 * Erases a user's personal data everywhere, in resumable steps, each one atomic commit:
 *
 * 1. their registrations, a page at a time: every fact naming them names `erasedUser`
 *    instead, a token only they owned ends (`erased`), and the same commit drops those
 *    registrations from their user record, which is therefore the list of what is left;
 * 2. the registrations that name them without listing them (a logout alone), and their
 *    claims on contact addresses (D11): scans, a page per commit;
 * 3. last, their user record is deleted, the feed forgets the changes naming them, and a
 *    `user.erased` change is appended, in one commit.
 *
 * A crash between steps leaves the user record listing what is still to do, so erasing again
 * resumes; once the record is gone, erasing again finds nothing and changes nothing. An input
 * naming the user that lands during the erasure changes their user record, which makes the
 * last commit conflict and the erasure start over, so it is erased too.
 */
export const erase = async (deps: EraseDeps, userId: UserId): Promise<EraseReport> => {
  let registrations = 0
  let contacts = 0
  for (let attempt = 1; attempt <= deps.maxAttempts; attempt++) {
    let conflicts = 0
    for (let page = await eraseRegistrations(deps, userId); page !== 0; page = await eraseRegistrations(deps, userId)) {
      if (page > 0) registrations += page
      else if (++conflicts >= deps.maxAttempts) throw new ContentionError(deps.maxAttempts)
    }
    // A registration can name a user it does not list as seen (a logout alone, D2), so the
    // user record's list is not all: the scan finds the rest.
    registrations += await eraseScanned(deps, userId, 'registration', async (ws, record) => {
      const registration = eraseFromSettled(record as RegistrationRecord, userId)
      const facts = eraseFromFacts(registration, userId, deps.now() as Instant)
      return facts === null ? record : { ...registration, facts, view: await viewAfter(deps, ws, registration, facts, userId, deps.now() as Instant) }
    })
    // R9, D14: their settled changelog entries go, and entries of others name them as no one.
    await eraseScanned(deps, userId, 'changelog', async (_ws, record) => eraseFromChangelog(record as ChangelogEntryRecord, userId))
    // D11: every address the user ever claimed, not only their current ones.
    contacts += await eraseScanned(deps, userId, 'contact', async (_ws, record) => eraseFromContact(record as ContactRecord, userId))
    const last = await removeUser(deps, userId)
    if (last === 'absent') return { erased: registrations + contacts > 0, registrations, contacts }
    if (last === 'removed') return { erased: true, registrations, contacts }
  }
  throw new ContentionError(deps.maxAttempts)
}

/** Commits `writes` with their changes, without the erased user in them; `false` on a conflict. */
const commitErasing = async (
  deps: EraseDeps,
  ws: WorkingSet,
  userId: UserId,
  extra: { readonly deletes?: readonly RecordDelete[]; readonly events?: readonly PendingEvent[]; readonly forget?: boolean } = {},
): Promise<boolean> => {
  const writes: RecordWrite[] = ws.writes()
  const events = [...withoutUser(eventsOf((record) => ws.original(record), ws.changed()), userId), ...(extra.events ?? [])]
  const outcome = await deps.storage.commit(writes, {
    ...(extra.deletes === undefined ? {} : { deletes: extra.deletes }),
    ...(events.length === 0 ? {} : { changes: draftsOf(events, deps.now()) }),
    ...(extra.forget === true ? { forgetChanges: [userId] } : {}),
  })
  if (!outcome.ok) {
    if ('refused' in outcome) throw new Error(`the storage refused an erasure step: ${outcome.refused.reason}`)
    return false
  }
  deps.committed(events)
  return true
}

/**
 * One page of the user's registrations. Answers how many it erased, `0` when none is left,
 * `-1` after a conflict (the caller reads again).
 */
const eraseRegistrations = async (deps: EraseDeps, userId: UserId): Promise<number> => {
  const ws = new WorkingSet()
  await ws.load(deps.storage, [userKey(userId)])
  const user = ws.get(userKey(userId)) as UserRecord | undefined
  if (user === undefined || user.registrations.length === 0) return 0
  const page = user.registrations.slice(0, pageSize)
  await ws.load(deps.storage, page.map((ref) => registrationKey(ref.appId, ref.deviceId)))
  const at = deps.now() as Instant
  for (const ref of page) {
    const stored = ws.get(registrationKey(ref.appId, ref.deviceId)) as RegistrationRecord | undefined
    const registration = stored === undefined ? undefined : eraseFromSettled(stored, userId)
    const facts = registration === undefined ? null : eraseFromFacts(registration, userId, at)
    if (registration === undefined || facts === null) continue
    ws.stage([{ ...registration, facts, view: await viewAfter(deps, ws, registration, facts, userId, at) }])
  }
  const done = (r: { readonly appId: string; readonly deviceId: string }) => page.some((p) => p.appId === r.appId && p.deviceId === r.deviceId)
  ws.stage([{ ...user, registrations: user.registrations.filter((r) => !done(r)), optIns: user.optIns.filter((o) => !done(o)) }])
  return (await commitErasing(deps, ws, userId)) ? page.length : -1
}

/** The records the projection of `facts` reads: the current token's record and the dispatches of its ambiguous answers. */
const projectionNeeds = (ws: WorkingSet, registration: RegistrationRecord, facts: RegistrationRecord['facts']): RecordKey[] => {
  const key = currentTokenKey(facts)
  if (key === null) return []
  const tokenKey = tokenRecordKey(registration.appId, key)
  const token = reads(ws).token(registration.appId, key)
  return [tokenKey, ...(token?.ambiguous ?? []).flatMap((a) => (a.dispatchId === null ? [] : [dispatchKey(registration.appId, a.dispatchId)]))]
}

const viewAfter = async (
  deps: EraseDeps,
  ws: WorkingSet,
  registration: RegistrationRecord,
  facts: RegistrationRecord['facts'],
  userId: UserId,
  at: Instant,
): Promise<RegistrationView> => {
  // The token record may name dispatches only known once it is loaded: load until nothing is missing.
  for (let missing = ws.missing(projectionNeeds(ws, registration, facts)); missing.length > 0; missing = ws.missing(projectionNeeds(ws, registration, facts))) {
    await ws.load(deps.storage, missing)
  }
  const app = deps.catalog.app(registration.appId)
  if (app !== undefined) return projectRegistration(registration, facts, app, deps.catalog.policy(registration.appId), reads(ws))
  return withoutUserView(registration.view, userId, at)
}

/**
 * The view of a registration of an app this registry does not serve (it cannot fold it): the
 * user taken out by hand, and a live token only they owned ended.
 */
const withoutUserView = (view: RegistrationView, userId: UserId, at: Instant): RegistrationView => {
  const owners = view.owners.filter((u) => u !== userId)
  const orphaned = owners.length === 0 && view.owners.includes(userId)
  const token = view.token
  return {
    ...view,
    owner: view.owner === userId ? (owners.at(-1) ?? null) : view.owner,
    owners,
    seenUsers: view.seenUsers.filter((u) => u !== userId),
    optIns: view.optIns.filter((o) => o.userId !== userId),
    token:
      orphaned && (token.status === 'active' || token.status === 'suspect')
        ? { status: 'ended', token: token.token, key: token.key, reason: 'erased', endedAt: at, reportedAt: token.reportedAt }
        : token,
  }
}

/** What an erasure makes of one scanned record: the same record, a new one, or none (`null`: deleted). */
type Rewrite = (ws: WorkingSet, record: RegistryRecord) => Promise<RegistryRecord | null>

/**
 * Scans every record of a kind and rewrites those that name the user, a scanned page per
 * commit; a page that conflicts is scanned again. Answers how many records it changed.
 */
const eraseScanned = async (deps: EraseDeps, userId: UserId, kind: 'registration' | 'contact' | 'changelog', rewrite: Rewrite): Promise<number> => {
  let erased = 0
  let cursor: string | undefined
  for (let conflicts = 0; conflicts < deps.maxAttempts; ) {
    const page = await deps.storage.scan({ kind, limit: 512, ...(cursor === undefined ? {} : { cursor }) })
    const ws = new WorkingSet()
    const deletes: RecordDelete[] = []
    for (const stored of page.records) {
      ws.seed(stored)
      const after = await rewrite(ws, stored.record)
      if (after === null) deletes.push({ key: stored.record as RecordKey, expectedVersion: stored.version })
      else if (after !== stored.record) ws.stage([after])
    }
    const changed = deletes.length + ws.changed().length
    if (changed > 0) {
      if (!(await commitErasing(deps, ws, userId, { deletes }))) {
        // Someone wrote one of these records meanwhile: scan the page again.
        conflicts++
        continue
      }
      erased += changed
    }
    if (page.next === null) return erased
    cursor = page.next
  }
  throw new ContentionError(deps.maxAttempts)
}

/** The last step: the user record goes, with the feed's changes naming them, and `user.erased` is announced. */
const removeUser = async (deps: EraseDeps, userId: UserId): Promise<'absent' | 'removed' | 'again'> => {
  const [stored] = await deps.storage.read([userKey(userId)])
  if (stored === undefined) return 'absent'
  // An input that named the user since the first step added a registration: erase it first.
  if ((stored.record as UserRecord).registrations.length > 0) return 'again'
  const ws = new WorkingSet()
  const removed = await commitErasing(deps, ws, userId, {
    deletes: [{ key: userKey(userId), expectedVersion: stored.version }],
    events: [{ name: 'user.erased', payload: { userId } }],
    forget: true,
  })
  return removed ? 'removed' : 'again'
}

/**
 * The events of an erasure step without the erased user: changes about them alone (their
 * opt-ins, their subscription) are left out, and where a change names them beside others
 * (an owner, a transfer's `from`), they are no one (`null`).
 */
const withoutUser = (events: readonly PendingEvent[], userId: UserId): PendingEvent[] =>
  events.flatMap((event): PendingEvent[] => {
    const payload = event.payload as unknown as Record<string, unknown>
    if (payload['userId'] === userId) return []
    const cleaned: Record<string, unknown> = { ...payload }
    for (const field of ['owner', 'from', 'to'] as const) if (cleaned[field] === userId) cleaned[field] = null
    return [{ name: event.name, payload: cleaned } as unknown as PendingEvent]
  })
