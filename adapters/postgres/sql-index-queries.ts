import type {
  IndexPage,
  IndexQueries,
  RegistrationEntry,
  RegistrationQuery,
  SubscriptionState,
  UserId,
  UserQuery,
  UserRow,
} from 'push-registry'
import { userRowOf } from 'push-registry'
import { cursorJson } from './cursor-json.js'
import type { ReadRow, UserEntryRow } from './index-rows.js'
import { registrationEntryOf, registrationSelect, userEntryOf } from './index-rows.js'
import type { SqlDriver } from './sql-driver.js'

/**
 * `queryRegistrations` and `queryUsers` in SQL over the typed tables of migration 008: one
 * statement per page of registrations, two per page of users (the users, then the registrations
 * they own), keyset-paged, with every filter in the statement. Each statement's text depends
 * only on which filters the query has (values are parameters; the subscription states and
 * capabilities, closed sets checked here, are parameters too), so a prepared-statement driver
 * plans each shape once.
 *
 * Orders (the store's choice, as the port allows):
 * - registrations of active tokens: `(app_id, reported_at, device_id)`, the partial index
 *   `registrations_active`, so `reportedSince` / `reportedBefore` bound an index range;
 * - other registration queries: `(app_id, device_id)`, the primary key of `registrations`;
 * - users: `user_id`, the primary key of `users`.
 *
 * Only `known` registrations have an index entry (`indexEntryOf`): every query filters on it.
 *
 * A cursor is the JSON text of the last key of its page; a page is `limit` rows, with one more
 * fetched to tell whether another page follows, so the last page says `next: null`.
 */
export const sqlIndexQueries = (driver: SqlDriver, s: string): IndexQueries => {
  const queryRegistrations = async (query: RegistrationQuery): Promise<IndexPage<RegistrationEntry>> => {
    const limit = pageLimit(query.limit)
    const active = query.active
    const params: unknown[] = []
    const param = (value: unknown, type: string): string => {
      params.push(value)
      return `$${params.length}::${type}`
    }
    const where: string[] = ['r.known']
    if (query.appId !== undefined) where.push(`r.app_id = ${param(query.appId, 'text')}`)
    if (active !== undefined) {
      where.push(`r.status = 'active'`)
      if (active.reportedSince !== null) where.push(`r.reported_at >= ${param(active.reportedSince, 'bigint')}`)
      if (active.reportedBefore !== undefined) where.push(`r.reported_at < ${param(active.reportedBefore, 'bigint')}`)
      if (active.capabilities !== undefined) where.push(`r.capability = ANY(${param(checked(active.capabilities, capabilities, 'capability'), 'text[]')})`)
    }
    if (query.ownerStates !== undefined) where.push(ownerStatesClause(s, checked(query.ownerStates, subscriptionStates, 'subscription state'), param))
    const key = active === undefined ? ['r.app_id', 'r.device_id'] : ['r.app_id', 'r.reported_at', 'r.device_id']
    if (query.after !== undefined) {
      const after = parseRegistrationCursor(query.after, key.length)
      // A query of one app compares the rest of the key only (the cursor's app is that app).
      // Beside `app_id = $1`, PostgreSQL positions the index scan by the equality and checks a
      // row comparison that starts with `app_id` on every entry from the start of the app's
      // range: each page read every entry before it again, so a stream cost grew with the
      // square of its length. Without `app_id` the comparison positions the scan at the cursor.
      const from = query.appId !== undefined && after[0] === query.appId ? 1 : 0
      const values = after.map((v, i) => (i < from ? '' : i === 0 || i === after.length - 1 ? param(v, 'text') : param(v, 'bigint')))
      where.push(`(${key.slice(from).join(', ')}) > (${values.slice(from).join(', ')})`)
    }
    const sql = `SELECT ${registrationSelect(active !== undefined, query.appId !== undefined)}
      FROM ${s}.registrations r
      WHERE ${where.join('\n        AND ')}
      ORDER BY ${key.join(', ')} LIMIT ${param(limit + 1, 'int')}`
    const { rows } = await driver.query<ReadRow>(sql, params)
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    const app = last?.app_id ?? query.appId
    const next =
      rows.length > limit && last !== undefined
        ? JSON.stringify(active === undefined ? [app, last.device_id] : [app, String(last.reported_at), last.device_id])
        : null
    const entries = new Array<RegistrationEntry>(page.length)
    for (let i = 0; i < page.length; i++) entries[i] = registrationEntryOf(page[i] as ReadRow, query.appId)
    return { entries, next }
  }

  const queryUsers = async (query: UserQuery): Promise<IndexPage<UserRow>> => {
    const params: unknown[] = []
    const param = (value: unknown, type: string): string => {
      params.push(value)
      return `$${params.length}::${type}`
    }
    const where: string[] = []
    if (query.states !== undefined) where.push(`u.subscription_state = ANY(${param(checked(query.states, subscriptionStates, 'subscription state'), 'text[]')})`)
    if (query.owning === true) {
      const apps = query.apps === undefined ? '' : `AND o.app_id = ANY(${param(query.apps, 'text[]')})`
      where.push(`(EXISTS (SELECT 1 FROM ${s}.registrations o WHERE ${ownedClause('o', 'u.user_id')} ${apps}))`)
    }
    let users: UserEntryRow[]
    let next: string | null = null
    if (query.userIds !== undefined) {
      const ids = [...new Set(query.userIds)]
      const sql = `SELECT u.user_id, u.subscription_state AS subscription
        FROM unnest(${param(ids, 'text[]')}) WITH ORDINALITY AS q(user_id, n)
        JOIN ${s}.users u ON u.user_id = q.user_id
        ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY q.n`
      users = (await driver.query<UserEntryRow>(sql, params)).rows
    } else {
      const limit = pageLimit(query.limit)
      if (query.after !== undefined) where.push(`u.user_id > ${param(parseUserCursor(query.after), 'text')}`)
      const sql = `SELECT u.user_id, u.subscription_state AS subscription FROM ${s}.users u
        ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
        ORDER BY u.user_id LIMIT ${param(limit + 1, 'int')}`
      const { rows } = await driver.query<UserEntryRow>(sql, params)
      users = rows.slice(0, limit)
      const last = users.at(-1)
      next = rows.length > limit && last !== undefined ? JSON.stringify(last.user_id) : null
    }
    const owned = await ownedBy(users.map((u) => u.user_id), query.apps)
    const entries = users.flatMap((row) => {
      const user = userEntryOf(row)
      return userRowOf(user, owned.get(user.userId) ?? [], query) ?? []
    })
    return { entries, next }
  }

  /** The registrations whose owners name each of `userIds` (of `apps`), through `registrations_by_owner(s)`. */
  const ownedBy = async (userIds: readonly string[], apps: readonly string[] | undefined): Promise<Map<UserId, RegistrationEntry[]>> => {
    const owned = new Map<UserId, RegistrationEntry[]>()
    if (userIds.length === 0 || (apps !== undefined && apps.length === 0)) return owned
    const params: unknown[] = [userIds]
    if (apps !== undefined) params.push(apps)
    const sql = `SELECT p.user_id AS owned_by, ${registrationSelect(false, false)}
      FROM unnest($1::text[]) AS p(user_id)
      JOIN ${s}.registrations r ON ${ownedClause('r', 'p.user_id')} ${apps === undefined ? '' : 'AND r.app_id = ANY($2::text[])'}`
    const { rows } = await driver.query<ReadRow & { owned_by: UserId }>(sql, params)
    for (const row of rows) {
      const list = owned.get(row.owned_by)
      const entry = registrationEntryOf(row)
      if (list === undefined) owned.set(row.owned_by, [entry])
      else list.push(entry)
    }
    return owned
  }

  return { queryRegistrations, queryUsers }
}

/**
 * Whether registration `r`'s owners name `user`, in the two arms the two partial indexes serve
 * (migration 008): `owner` where `owners` is `NULL` (it is `[owner]`), `owners` elsewhere.
 */
const ownedClause = (r: string, user: string): string =>
  `${r}.known AND ((${r}.owners IS NULL AND ${r}.owner = ${user}) OR (${r}.owners IS NOT NULL AND ${r}.owners @> ARRAY[${user}]))`

/**
 * R10, R11, R27: the `ownerStates` filter. An anonymous device counts as subscribed, and so does
 * an owner without a user entry, so only owners in another state need looking up: the probes go
 * to `users_not_subscribed`, a partial hash index of the few users who are not
 * `subscribed` (a miss, the common case, reads no heap page). With `subscribed` among the
 * states, a registration passes unless every owner is in one of the other states; without it,
 * it passes when some owner is in one of them. The one-owner case (most devices) is a single
 * probe; several owners (shared devices, R10) go through `unnest`. `owners` is `NULL` when it is
 * `[owner]` (or `[]` without an owner), as the column holds it.
 */
const ownerStatesClause = (s: string, states: readonly SubscriptionState[], param: (value: unknown, type: string) => string): string => {
  const subscribed = states.includes('subscribed')
  const others = subscriptionStates.filter((state) => state !== 'subscribed' && (subscribed ? !states.includes(state) : states.includes(state)))
  if (others.length === 0) return subscribed ? 'true' : 'false'
  const list = param(others, 'text[]')
  const inState = (owner: string): string =>
    `EXISTS (SELECT 1 FROM ${s}.users u WHERE u.user_id = ${owner} AND u.subscription_state <> 'subscribed' AND u.subscription_state = ANY(${list}) OFFSET 0)`
  // One owner: a probe in the statement, which the planner prices at one index look-up. More:
  // owners_match (migration 008), priced low so that this rare branch does not inflate the plan.
  const none = subscribed ? 'true' : 'false'
  const one = (owner: string): string => (subscribed ? `NOT ${inState(owner)}` : inState(owner))
  return `CASE WHEN r.owners IS NULL THEN CASE WHEN r.owner IS NULL THEN ${none} ELSE ${one('r.owner')} END
      WHEN cardinality(r.owners) = 0 THEN ${none} WHEN cardinality(r.owners) = 1 THEN ${one('r.owners[1]')}
      ELSE ${s}.owners_match(r.owners, ${list}, ${subscribed ? 'false' : 'true'}) END`
}

const subscriptionStates: readonly SubscriptionState[] = ['subscribed', 'opted_in', 'unsubscribed']
const capabilities: readonly string[] = ['foreground', 'provisional', 'background']

/** The values of a closed set a query names, each checked, so that a typo fails instead of matching nothing. */
const checked = <A extends string>(values: readonly A[], known: readonly string[], what: string): A[] => {
  for (const value of values) if (!known.includes(value)) throw new Error(`unknown ${what} ${JSON.stringify(value)} in an index query`)
  return [...values]
}

const pageLimit = (limit: number): number => Math.max(0, Math.floor(limit))

/** The key a registration cursor holds: `[app, deviceId]`, or `[app, reportedAt, deviceId]` for active queries. */
const parseRegistrationCursor = (cursor: string, length: number): string[] => {
  const parsed = cursorJson(cursor)
  const ok =
    Array.isArray(parsed) &&
    parsed.length === length &&
    parsed.every((v) => typeof v === 'string') &&
    (length === 2 || /^-?\d{1,19}$/.test(parsed[1] as string))
  if (!ok) throw new Error(`invalid index cursor ${JSON.stringify(cursor)}`)
  return parsed as string[]
}

const parseUserCursor = (cursor: string): string => {
  const parsed = cursorJson(cursor)
  if (typeof parsed !== 'string') throw new Error(`invalid index cursor ${JSON.stringify(cursor)}`)
  return parsed
}
