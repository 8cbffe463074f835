import type { UserId } from '../domain/brand.js'
import type { RegistrationEntry, UserEntry } from '../domain/index-entry.js'
import { indexEntryOf } from '../domain/index-entry.js'
import type { RegistrationRecord, UserRecord } from '../domain/records.js'
import { registrationKey, userKey } from '../domain/records.js'
import type { IndexPage, RegistrationQuery, UserQuery, UserRow } from '../ports/index-queries.js'
import type { StoragePort } from '../ports/storage.js'
import { linksOf, readAll, registrationLinks } from './user-links.js'
import { defaultSubscription, distinctUserIds, isActiveMatch, registrationMatches, userRowOf } from './index-semantics.js'

/** The index queries of a store, as the registry calls them. */
export interface IndexQueries {
  readonly queryRegistrations: (query: RegistrationQuery) => Promise<IndexPage<RegistrationEntry>>
  readonly queryUsers: (query: UserQuery) => Promise<IndexPage<UserRow>>
}

/**
 * The index queries answered from `read` and `scan` alone, for a store that keeps no indexes:
 * each page of a query is one page of a scan, whose records' entries are derived again
 * (`indexEntryOf`) and filtered; owners' subscription states and users' registrations are read
 * by key, a page at a time. Correct on any conformant store, at the cost of a scan: the registry
 * uses it when a store has no `queryRegistrations` / `queryUsers`, and an adapter may answer
 * with it until it has indexes (the PostgreSQL adapter does).
 *
 * @example
 * ```ts
 * const { queryRegistrations, queryUsers } = scanIndexQueries({ read, scan })
 * return { capabilities, read, commit, scan, queryRegistrations, queryUsers, close }
 * ```
 */
export const scanIndexQueries = (store: Pick<StoragePort, 'read' | 'scan'>): IndexQueries => {
  const read: StoragePort['read'] = (keys) => store.read(keys)
  const readUsers = async (ids: readonly UserId[]): Promise<UserRecord[]> => {
    const found = await store.read(ids.map(userKey))
    return found.flatMap((stored) => (stored === undefined ? [] : [stored.record as UserRecord]))
  }

  const queryRegistrations = async (query: RegistrationQuery): Promise<IndexPage<RegistrationEntry>> => {
    const page = await store.scan({
      kind: 'registration',
      limit: query.limit,
      ...(query.appId === undefined ? {} : { appId: query.appId }),
      ...(query.after === undefined ? {} : { cursor: query.after }),
    })
    const candidates = page.records.flatMap((stored) => {
      const entry = indexEntryOf(stored.record)
      if (entry?.kind !== 'registration' || (query.appId !== undefined && entry.appId !== query.appId)) return []
      return query.active === undefined || isActiveMatch(entry, query.active) ? [entry] : []
    })
    const states = new Map<UserId, UserEntry['subscription']>()
    if (query.ownerStates !== undefined) {
      for (const user of await readUsers(distinctUserIds(candidates.flatMap((entry) => entry.owners)))) {
        states.set(user.userId, (indexEntryOf(user) as UserEntry).subscription)
      }
    }
    const stateOf = (userId: UserId) => states.get(userId) ?? defaultSubscription
    return { entries: candidates.filter((entry) => registrationMatches(entry, query, stateOf)), next: page.next }
  }

  const queryUsers = async (query: UserQuery): Promise<IndexPage<UserRow>> => {
    let users: UserRecord[]
    let next: string | null = null
    if (query.userIds !== undefined) {
      users = await readUsers(distinctUserIds(query.userIds))
    } else {
      const page = await store.scan({ kind: 'user', limit: query.limit, ...(query.after === undefined ? {} : { cursor: query.after }) })
      users = page.records.map((stored) => stored.record as UserRecord)
      next = page.next
    }
    // D2: a user's registrations are among those they were seen on; owners ⊆ seen users, and
    // their links list every registration they were named on.
    const apps = query.apps
    const links = await linksOf(read, users)
    const refsOf = (user: UserRecord) => registrationLinks(links.get(user.userId) ?? []).filter((ref) => apps === undefined || apps.includes(ref.appId))
    const found = await readAll(read, users.flatMap((user) => refsOf(user).map((ref) => registrationKey(ref.appId, ref.deviceId))))
    const byId = new Map<string, RegistrationEntry>()
    for (const stored of found) {
      const entry = stored === undefined ? null : indexEntryOf(stored.record as RegistrationRecord)
      if (entry?.kind === 'registration') byId.set(`${entry.appId}\u0000${entry.deviceId}`, entry)
    }
    const rows = users.flatMap((user) => {
      const owned = refsOf(user).flatMap((ref) => {
        const entry = byId.get(`${ref.appId}\u0000${ref.deviceId}`)
        return entry !== undefined && entry.owners.includes(user.userId) ? [entry] : []
      })
      const row = userRowOf(indexEntryOf(user) as UserEntry, owned, query)
      return row === null ? [] : [row]
    })
    return { entries: rows, next }
  }

  return { queryRegistrations, queryUsers }
}
