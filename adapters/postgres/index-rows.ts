import type {
  AppId,
  Capability,
  DeviceId,
  IndexEntry,
  RecordDelete,
  RecordWrite,
  RegistrationEntry,
  SubscriptionState,
  TokenState,
  UserEntry,
  UserId,
} from 'push-registry'
import { indexEntryOf } from 'push-registry'
import type { RegistrationRowValues } from './registration-row.js'
import { tokenStateOf } from './registration-row.js'

/**
 * Registration and user index entries as rows, both ways: the entry a query row of
 * `registrations` gives back (migration 008), and what migration 007's backfill wrote to its
 * index tables (`registrationRowOf`, `indexChangesOf`: 007 must still run on databases of
 * earlier releases, before 008 folds those tables into `registrations` and `users`).
 */

/** A row of `registration_entries` as a commit sends it (and a query reads it). */
export interface RegistrationRow {
  readonly app_id: string
  readonly device_id: string
  readonly owner: string | null
  readonly owners: readonly string[]
  readonly status: TokenState['status']
  /** The token string, or a Web Push subscription's endpoint; `null` when there is none. */
  readonly token: string | null
  /** The token key when it is not `token` itself (it always is, for tokens the registry made). */
  readonly token_key: string | null
  readonly web_push_p256dh: string | null
  readonly web_push_auth: string | null
  readonly capability: Capability | null
  readonly environment: string | null
  readonly reported_at: number | null
  readonly suspect_since: number | null
  readonly ended_reason: string | null
  readonly ended_at: number | null
}

/** A row of `user_entries`. */
export interface UserEntryRow {
  readonly user_id: string
  readonly subscription: SubscriptionState
}

/** The columns of `registration_entries` a commit writes and a query reads, in table order. */
export const registrationColumns = [
  'app_id',
  'device_id',
  'owner',
  'owners',
  'status',
  'token',
  'token_key',
  'web_push_p256dh',
  'web_push_auth',
  'capability',
  'environment',
  'reported_at',
  'suspect_since',
  'ended_reason',
  'ended_at',
] as const

/** The column types, for `jsonb_to_recordset(…) AS e(<these>)`. */
export const registrationColumnTypes: Record<(typeof registrationColumns)[number], string> = {
  app_id: 'text',
  device_id: 'text',
  owner: 'text',
  owners: 'text[]',
  status: 'text',
  token: 'text',
  token_key: 'text',
  web_push_p256dh: 'text',
  web_push_auth: 'text',
  capability: 'text',
  environment: 'text',
  reported_at: 'bigint',
  suspect_since: 'bigint',
  ended_reason: 'text',
  ended_at: 'bigint',
}

const tokenColumns = (state: TokenState) => {
  if (state.status === 'none') return { token: null, token_key: null, web_push_p256dh: null, web_push_auth: null }
  const token = state.token
  const text = typeof token === 'string' ? token : token.endpoint
  return {
    token: text,
    token_key: state.key === text ? null : state.key,
    web_push_p256dh: typeof token === 'string' ? null : token.keys.p256dh,
    web_push_auth: typeof token === 'string' ? null : token.keys.auth,
  }
}

/** The row of a registration entry. */
export const registrationRowOf = (entry: RegistrationEntry): RegistrationRow => {
  const t = entry.token
  return {
    app_id: entry.appId,
    device_id: entry.deviceId,
    owner: entry.owner,
    owners: entry.owners,
    status: t.status,
    ...tokenColumns(t),
    capability: t.status === 'active' ? t.capability : null,
    environment: t.status === 'active' ? (t.environment ?? null) : null,
    reported_at: t.status === 'none' ? null : t.reportedAt,
    suspect_since: t.status === 'suspect' ? t.since : null,
    ended_reason: t.status === 'ended' ? t.reason : null,
    ended_at: t.status === 'ended' ? t.endedAt : null,
  }
}

/**
 * The select list of a query of `registrations` (migration 008, table alias `r`). `owners` comes
 * back as JSON text, and as `NULL` when it is `[owner]` (or `[]` without an owner), as the column
 * holds it: node-postgres parses a `text[]` with a character-by-character parser several times
 * slower than `JSON.parse`, and a page holds thousands of rows. A query of active tokens only
 * leaves out the columns of the other states (`status` is then `active`); a query of one app
 * leaves out `app_id` (`appId` is then that app).
 */
export const registrationSelect = (activeOnly: boolean, oneApp: boolean): string =>
  registrationColumns
    .filter((c) => !activeOnly || (c !== 'status' && c !== 'suspect_since' && c !== 'ended_reason' && c !== 'ended_at'))
    .filter((c) => !oneApp || c !== 'app_id')
    .map((c) => (c === 'owners' ? 'array_to_json(r.owners)::text AS owners' : `r.${c}`))
    .join(', ')

/**
 * A row of {@link registrationSelect} as node-postgres or PGlite return it: the columns of
 * `registrations` a query reads, as a read of the row has them (bigints may come back as
 * strings), but `owners` as JSON text. `app_id` is absent from queries of one app, and `status`
 * and the other states' columns from queries of active tokens only.
 */
export type ReadRow = Pick<RegistrationRowValues, 'device_id' | 'owner' | 'token' | 'token_key' | 'web_push_p256dh' | 'web_push_auth' | 'capability' | 'environment' | 'reported_at'> &
  Partial<Pick<RegistrationRowValues, 'app_id' | 'status' | 'suspect_since' | 'ended_reason' | 'ended_at'>> & {
    /** JSON text of the owners array; `null` when it is `[owner]`, or `[]` when there is no owner. */
    readonly owners: string | null
  }

const noOwners: readonly UserId[] = []

/**
 * The entry a row of `registrations` gives back, deep-equal to the record's; `appId`
 * is the row's, or the one app the query asked for. One object literal (a query maps every row
 * of its pages through it).
 */
export const registrationEntryOf = (row: ReadRow, appId?: string): RegistrationEntry => {
  const owner = row.owner as UserId | null
  const owners = row.owners === null ? (owner === null ? noOwners : [owner]) : row.owners === '[]' ? noOwners : (JSON.parse(row.owners) as UserId[])
  return {
    kind: 'registration',
    appId: (row.app_id ?? appId) as AppId,
    deviceId: row.device_id as DeviceId,
    owner,
    owners,
    token: tokenStateOf(row, row.status === undefined ? 'active' : row.status),
  }
}

/** The entry a row of `users` gives back (its `subscription_state`). */
export const userEntryOf = (row: UserEntryRow): UserEntry => ({ kind: 'user', userId: row.user_id as UserId, subscription: row.subscription })

/**
 * What one commit does to the index tables: the rows to upsert, and the registrations and
 * users whose rows go (a deleted record, or a registration whose entry became `null`).
 */
export interface IndexChanges {
  readonly registrations: RegistrationRow[]
  readonly users: UserEntryRow[]
  readonly droppedRegistrations: { readonly appIds: string[]; readonly deviceIds: string[] }
  readonly droppedUsers: string[]
}

/**
 * The index changes of a commit's writes and deletions. A write's entry is the one it carries,
 * or `indexEntryOf(record)` when it carries none (a write not made by the registry), as the
 * port's contract says.
 */
export const indexChangesOf = (writes: readonly RecordWrite[], deletes: readonly RecordDelete[] = []): IndexChanges => {
  const changes: IndexChanges = { registrations: [], users: [], droppedRegistrations: { appIds: [], deviceIds: [] }, droppedUsers: [] }
  const add = (entry: IndexEntry | null): void => {
    if (entry?.kind === 'registration') changes.registrations.push(registrationRowOf(entry))
    else if (entry?.kind === 'user') changes.users.push({ user_id: entry.userId, subscription: entry.subscription })
  }
  const drop = (key: { readonly kind: string; readonly appId?: string; readonly deviceId?: string; readonly userId?: string }): void => {
    if (key.kind === 'registration') {
      changes.droppedRegistrations.appIds.push(key.appId as string)
      changes.droppedRegistrations.deviceIds.push(key.deviceId as string)
    } else if (key.kind === 'user') changes.droppedUsers.push(key.userId as string)
  }
  for (const write of writes) {
    const entry = write.entry === undefined ? indexEntryOf(write.record) : write.entry
    if (entry === null) drop(write.record)
    else add(entry)
  }
  for (const d of deletes) drop(d.key)
  return changes
}
