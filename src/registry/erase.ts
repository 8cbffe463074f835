import type { Instant, UserId } from '../domain/brand.js'
import { eraseFromChangelog, eraseFromContact, eraseFromFacts, eraseFromSettled } from '../domain/erasure.js'
import { isUnlinked, leafOf, linkPath, withoutLink } from '../domain/user-links.js'
import { projectRegistration } from '../domain/project.js'
import type {
  ChangelogEntryRecord,
  ContactRecord,
  RecordKey,
  RegistrationRecord,
  RegistrationView,
  RegistryRecord,
  UserLink,
  UserLinksRecord,
  UserRecord,
} from '../domain/records.js'
import { changelogEntryKey, dispatchKey, registrationKey, tokenRecordKey, userKey, userLinksKey } from '../domain/records.js'
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
import { userTries } from './user-links.js'

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

/** A user's own changelog entries deleted per commit. */
const entriesPerCommit = 512

/**
 * Erases a user's personal data everywhere, in resumable steps, each one atomic commit, each
 * reading what it rewrites by key from the user's links (D14), never scanning the store:
 *
 * 1. each page of their links (`linkPageSize` links): every registration it names (every fact
 *    naming them names `erasedUser` instead, a token only they owned ends, `erased`), every
 *    contact address (their claim goes, D11) and every other user's changelog entry naming
 *    them (as no one); the page is deleted in the same commit, so what is left is what is
 *    left to do;
 * 2. their settled changelog entries, with the links other users have to them;
 * 3. for a user record written by a release before links (`unlinked`), the scans that release
 *    needed: registrations, contacts and changelog entries naming them;
 * 4. last, their user record and links record are deleted, the feed forgets the changes naming
 *    them, and a `user.erased` change is appended, in one commit.
 *
 * A crash between steps leaves the pages still to do; erasing again resumes. Once the user
 * and links records are gone, erasing again finds nothing and changes nothing. An input naming
 * the user that lands during the erasure changes their user or links record, which makes the
 * last commit conflict and the erasure start over, so it is erased too.
 */
export const erase = async (deps: EraseDeps, userId: UserId): Promise<EraseReport> => {
  const done = { registrations: 0, contacts: 0, any: false }
  for (let attempt = 1; attempt <= deps.maxAttempts; attempt++) {
    const user = (await deps.storage.read([userKey(userId)]))[0]?.record as UserRecord | undefined
    const nodes = (await userTries(deps.storage.read, [userId])).nodes.get(userId) ?? []
    for (const { record } of nodes) {
      const { node, links } = record as UserLinksRecord
      if (links !== undefined && links.length > 0) await retried(deps, () => eraseLeaf(deps, userId, node, done))
    }
    if (user !== undefined) {
      for (let from = 0; from < (user.changelog ?? 0); from += entriesPerCommit) await retried(deps, () => eraseOwnEntries(deps, userId, from, done))
    }
    if (isUnlinked(user)) await eraseScanning(deps, userId, done)
    const last = await removeUser(deps, userId)
    if (last === 'absent') return { erased: done.any, registrations: done.registrations, contacts: done.contacts }
    if (last === 'removed') return { erased: true, registrations: done.registrations, contacts: done.contacts }
  }
  throw new ContentionError(deps.maxAttempts)
}

/** What an erasure did so far. */
interface Done {
  registrations: number
  contacts: number
  any: boolean
}

/** Runs one step until it commits (`true`), reading again after each conflict (`false`). */
const retried = async (deps: EraseDeps, step: () => Promise<boolean>): Promise<void> => {
  for (let conflicts = 0; conflicts < deps.maxAttempts; conflicts++) if (await step()) return
  throw new ContentionError(deps.maxAttempts)
}

/** A registration with `userId` erased from its facts and settled opt-ins; `null` when it never named them. */
const erasedRegistration = async (deps: EraseDeps, ws: WorkingSet, stored: RegistrationRecord, userId: UserId): Promise<RegistrationRecord | null> => {
  const registration = eraseFromSettled(stored, userId)
  const at = deps.now() as Instant
  const facts = eraseFromFacts(registration, userId, at)
  if (facts === null) return registration === stored ? null : registration
  return { ...registration, facts, view: await viewAfter(deps, ws, registration, facts, userId, at) }
}

/** Step 1: one leaf of the user's links, and what they name; `true` once committed (or nothing to do). */
const eraseLeaf = async (deps: EraseDeps, userId: UserId, node: string, done: Done): Promise<boolean> => {
  const ws = new WorkingSet()
  const leafKey = userLinksKey(userId, node)
  await ws.load(deps.storage, [leafKey])
  const links = (ws.get(leafKey) as UserLinksRecord | undefined)?.links
  if (links === undefined) return true
  const keyOf = (link: UserLink): RecordKey => (link.kind === 'registration' ? registrationKey(link.appId, link.deviceId) : link)
  await ws.load(deps.storage, links.map(keyOf))
  let registrations = 0
  let contacts = 0
  for (const link of links) {
    const record = ws.get(keyOf(link))
    if (record === undefined) continue
    if (record.kind === 'registration') {
      const erased = await erasedRegistration(deps, ws, record, userId)
      if (erased === null) continue
      ws.stage([erased])
      registrations++
    } else if (record.kind === 'contact') {
      const erased = eraseFromContact(record, userId)
      if (erased === null) ws.drop(record)
      else if (erased !== record) ws.stage([erased])
      if (erased !== record) contacts++
    } else if (record.kind === 'changelog') {
      const erased = eraseFromChangelog(record, userId)
      if (erased !== null && erased !== record) ws.stage([erased])
    }
  }
  // Emptied, not deleted: an input adding a link here meanwhile conflicts with the last
  // commit, which deletes every node of the user's links.
  ws.stage([{ ...(ws.get(leafKey) as UserLinksRecord), links: [] }])
  if (!(await commitErasing(deps, ws, userId))) return false
  done.registrations += registrations
  done.contacts += contacts
  done.any = true
  return true
}

/** Step 2: the user's entries `from`…, and the links other users hold to them; `true` once committed. */
const eraseOwnEntries = async (deps: EraseDeps, userId: UserId, from: number, done: Done): Promise<boolean> => {
  const ws = new WorkingSet()
  const user = (await deps.storage.read([userKey(userId)]))[0]?.record as UserRecord | undefined
  const count = Math.min(user?.changelog ?? 0, from + entriesPerCommit)
  const keys = Array.from({ length: Math.max(0, count - from) }, (_, i) => changelogEntryKey(userId, from + i))
  await ws.load(deps.storage, keys)
  const entries = keys.flatMap((key) => {
    const record = ws.get(key) as ChangelogEntryRecord | undefined
    return record === undefined ? [] : [record]
  })
  // The users an entry names beside its own hold a link to it (`addLink` in `appendEntries`).
  const linked = (entry: ChangelogEntryRecord) =>
    [...new Set([entry.entry.from, entry.entry.to])].flatMap((other) =>
      other === null || other === userId ? [] : [{ other, link: { kind: 'changelog', userId, seq: entry.seq } as const }],
    )
  await ws.load(deps.storage, entries.flatMap((e) => linked(e).flatMap(({ other, link }) => linkPath(other, link))))
  for (const entry of entries) {
    for (const { other, link } of linked(entry)) {
      const leaf = leafOf(ws, other, link)
      const without = leaf === undefined ? leaf : withoutLink(leaf, link)
      if (without !== undefined && without !== leaf) ws.stage([without])
    }
    ws.drop(entry)
  }
  if (!ws.hasChanges()) return true
  if (!(await commitErasing(deps, ws, userId))) return false
  done.any = true
  return true
}

/**
 * Step 3, for a user record written by a release before links: what that release named the
 * user in without listing it (a logout alone, every contact address, others' changelog
 * entries) is found by scans, as that release did.
 */
const eraseScanning = async (deps: EraseDeps, userId: UserId, done: Done): Promise<void> => {
  done.registrations += await eraseScanned(deps, userId, 'registration', async (ws, record) => (await erasedRegistration(deps, ws, record as RegistrationRecord, userId)) ?? record)
  // R9, D14: their settled changelog entries go, and entries of others name them as no one.
  await eraseScanned(deps, userId, 'changelog', async (_ws, record) => eraseFromChangelog(record as ChangelogEntryRecord, userId))
  // D11: every address the user ever claimed, not only their current ones.
  done.contacts += await eraseScanned(deps, userId, 'contact', async (_ws, record) => eraseFromContact(record as ContactRecord, userId))
  done.any = true
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
  const deletes = [...ws.deletes(), ...(extra.deletes ?? [])]
  const outcome = await deps.storage.commit(writes, {
    ...(deletes.length === 0 ? {} : { deletes }),
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
  const nodes = (await userTries(deps.storage.read, [userId])).nodes.get(userId) ?? []
  // An input that named the user since the first step added a link: erase it first.
  if (nodes.some(({ record }) => ((record as UserLinksRecord).links ?? []).length > 0)) return 'again'
  const deletes = [...(stored === undefined ? [] : [stored]), ...nodes].map((s) => ({ key: s.record as RecordKey, expectedVersion: s.version }))
  if (deletes.length === 0) return 'absent'
  // Conditional on every one: an input that names the user meanwhile changes their record or
  // a node of their links (a new leaf is listed by its parent), and the erasure starts over.
  const removed = await commitErasing(deps, new WorkingSet(), userId, {
    deletes,
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
