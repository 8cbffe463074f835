import type { AppId, Capability, DeviceId, Instant, PushToken, RegistrationRecord, TokenKey, TokenState } from 'push-registry'

/**
 * A registration record as a row of `registrations` (migration 008), both ways.
 *
 * The key (`app_id`, `device_id`), the view's token state, owners and `known` are columns: what
 * the queries filter on, and what the record would otherwise repeat. `data` (jsonb) holds the
 * rest: the kept facts (bounded, D14) and the other view fields. Nothing a column holds is in
 * `data`: each fact loses its `appId` and `deviceId` (the row's), and a fact's token equal to the
 * view's token is written `0` (a token is a string or an object, never a number). The record
 * comes back deep-equal (`registrationOf(registrationRow(r))`, a property in
 * `typed-rows.test.ts`).
 *
 * A record that does not have the shape the registry writes (a field of another type, an
 * unknown field in its token state, a fact of another device) is kept whole in `data` under
 * `$record`, still with its query columns derived from it: nothing is lost, it only costs more.
 */

/** The columns of `registrations` the adapter writes besides `version`, with their SQL types. */
export const registrationValueColumns = [
  ['status', 'text'],
  ['token', 'text'],
  ['token_key', 'text'],
  ['web_push_p256dh', 'text'],
  ['web_push_auth', 'text'],
  ['capability', 'text'],
  ['environment', 'text'],
  ['reported_at', 'bigint'],
  ['suspect_since', 'bigint'],
  ['ended_reason', 'text'],
  ['ended_at', 'bigint'],
  ['owner', 'text'],
  ['owners', 'text[]'],
  ['known', 'boolean'],
  ['data', 'json'],
] as const

type Json = unknown
type Obj = Record<string, Json>

/** A row of `registrations` as JSON (what a commit sends, what a read gives back); bigints may come back as strings. */
export interface RegistrationRowValues {
  readonly app_id: string
  readonly device_id: string
  readonly status: string | null
  readonly token: string | null
  readonly token_key: string | null
  readonly web_push_p256dh: string | null
  readonly web_push_auth: string | null
  readonly capability: string | null
  readonly environment: string | null
  readonly reported_at: unknown
  readonly suspect_since: unknown
  readonly ended_reason: string | null
  readonly ended_at: unknown
  readonly owner: string | null
  readonly owners: readonly string[] | null
  readonly known: boolean | null
  readonly data: Obj | null
}

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isTime = (v: Json): v is number => typeof v === 'number' && Number.isSafeInteger(v)
const isText = (v: Json): v is string => typeof v === 'string'
const hasExactly = (o: Obj, required: readonly string[], optional: readonly string[] = []): boolean =>
  required.every((k) => k in o) && Object.keys(o).every((k) => required.includes(k) || optional.includes(k))

/** A token as the registry writes it: a string, or `{ endpoint, keys: { p256dh, auth } }` and nothing else. */
const plainToken = (t: Json): t is PushToken =>
  isText(t) ||
  (isObj(t) && hasExactly(t, ['endpoint', 'keys']) && isText(t['endpoint']) && isObj(t['keys']) && hasExactly(t['keys'], ['p256dh', 'auth']) && isText(t['keys']['p256dh']) && isText(t['keys']['auth']))

const sameToken = (a: Json, b: PushToken): boolean =>
  typeof b === 'string'
    ? a === b
    : isObj(a) && plainToken(a) && typeof a !== 'string' && a.endpoint === b.endpoint && a.keys.p256dh === b.keys.p256dh && a.keys.auth === b.keys.auth

type TokenColumns = Pick<
  RegistrationRowValues,
  'status' | 'token' | 'token_key' | 'web_push_p256dh' | 'web_push_auth' | 'capability' | 'environment' | 'reported_at' | 'suspect_since' | 'ended_reason' | 'ended_at'
>

// Built in one literal each, never by spreading one object into another: a literal with a
// second spread is filled property by property at run time, and registrationRow spent most of
// its time there (a CPU profile of batches of 10,000 on the server).
const tokenColumns = (
  status: string | null,
  token: string | null,
  token_key: string | null,
  web_push_p256dh: string | null,
  web_push_auth: string | null,
  capability: string | null,
  environment: string | null,
  reported_at: unknown,
  suspect_since: unknown,
  ended_reason: string | null,
  ended_at: unknown,
): TokenColumns => ({ status, token, token_key, web_push_p256dh, web_push_auth, capability, environment, reported_at, suspect_since, ended_reason, ended_at })

const noToken: TokenColumns = tokenColumns(null, null, null, null, null, null, null, null, null, null, null)

/** The columns of a token state, or `null` when it is not one the registry writes (exact fields, integer times). */
const tokenColumnsOf = (state: Json): TokenColumns | null => {
  if (!isObj(state)) return null
  const status = state['status']
  if (status === 'none') return hasExactly(state, ['status']) ? tokenColumns(status, null, null, null, null, null, null, null, null, null, null) : null
  const token = state['token']
  const key = state['key']
  const reportedAt = state['reportedAt']
  if (!plainToken(token) || !isText(key) || !isTime(reportedAt)) return null
  const text = typeof token === 'string' ? token : token.endpoint
  const tokenKey = key === text ? null : key
  const p256dh = typeof token === 'string' ? null : token.keys.p256dh
  const auth = typeof token === 'string' ? null : token.keys.auth
  switch (status) {
    case 'active': {
      const environment = state['environment']
      if (!hasExactly(state, ['status', 'token', 'key', 'capability', 'reportedAt'], ['environment']) || !isText(state['capability'])) return null
      if (environment !== undefined && !isText(environment)) return null
      return tokenColumns(status, text, tokenKey, p256dh, auth, state['capability'], environment ?? null, reportedAt, null, null, null)
    }
    case 'suspect':
      return hasExactly(state, ['status', 'token', 'key', 'reportedAt', 'since']) && isTime(state['since'])
        ? tokenColumns(status, text, tokenKey, p256dh, auth, null, null, reportedAt, state['since'], null, null)
        : null
    case 'ended':
      return hasExactly(state, ['status', 'token', 'key', 'reason', 'endedAt', 'reportedAt']) && isText(state['reason']) && isTime(state['endedAt'])
        ? tokenColumns(status, text, tokenKey, p256dh, auth, null, null, reportedAt, null, state['reason'], state['endedAt'])
        : null
    default:
      return null
  }
}

const num = (v: unknown): number => Number(v)

/** The columns of a token state, as a read gives them back ({@link TokenColumns} without `status`, which a query may leave out). */
export type TokenStateColumns = Omit<TokenColumns, 'status' | 'suspect_since' | 'ended_reason' | 'ended_at'> &
  Partial<Pick<TokenColumns, 'suspect_since' | 'ended_reason' | 'ended_at'>>

/**
 * The token state a row's columns hold (the inverse of {@link tokenColumnsOf}), `status` being
 * the row's (a query of active tokens leaves that column out: it passes `'active'`). Shared by
 * the record a read gives back and the index entry a query gives back; one object literal per
 * state, no spreads, since a query maps every row of its pages through it.
 */
export const tokenStateOf = (row: TokenStateColumns, status: string | null): TokenState => {
  if (status === 'none' || row.token === null) return { status: 'none' }
  const token: PushToken = row.web_push_p256dh === null ? row.token : { endpoint: row.token, keys: { p256dh: row.web_push_p256dh, auth: row.web_push_auth ?? '' } }
  const key = (row.token_key ?? row.token) as TokenKey
  const reportedAt = num(row.reported_at) as Instant
  switch (status) {
    case 'active':
      return row.environment === null
        ? { status: 'active', token, key, capability: row.capability as Capability, reportedAt }
        : { status: 'active', token, key, capability: row.capability as Capability, reportedAt, environment: row.environment as 'sandbox' | 'production' }
    case 'suspect':
      return { status: 'suspect', token, key, reportedAt, since: num(row.suspect_since) as Instant }
    default:
      return { status: 'ended', token, key, reason: row.ended_reason as 'dead', endedAt: num(row.ended_at) as Instant, reportedAt }
  }
}

/** `owners` as the column holds it: `null` when it is `[owner]` (or `[]` without an owner), the common case. */
const ownersColumn = (owner: string | null, owners: readonly string[]): readonly string[] | null =>
  (owner === null ? owners.length === 0 : owners.length === 1 && owners[0] === owner) ? null : owners

const isOwners = (v: Json): v is string[] => Array.isArray(v) && v.every(isText)

/** The row of a registration: its key, token columns, owner columns and `data`, in one literal. */
const rowOf = (
  record: RegistrationRecord,
  t: TokenColumns,
  owner: string | null,
  owners: readonly string[] | null,
  known: boolean,
  data: Obj | null,
): RegistrationRowValues => ({
  app_id: record.appId,
  device_id: record.deviceId,
  status: t.status,
  token: t.token,
  token_key: t.token_key,
  web_push_p256dh: t.web_push_p256dh,
  web_push_auth: t.web_push_auth,
  capability: t.capability,
  environment: t.environment,
  reported_at: t.reported_at,
  suspect_since: t.suspect_since,
  ended_reason: t.ended_reason,
  ended_at: t.ended_at,
  owner,
  owners,
  known,
  data,
})

/** `o` without the fields `left` names (its own enumerable ones, in their order), as a rest pattern would give it. */
const without = (o: Obj, left: readonly string[]): Obj => {
  const rest: Obj = {}
  for (const k of Object.keys(o)) if (!left.includes(k)) rest[k] = o[k]
  return rest
}

const recordFields = ['kind', 'appId', 'deviceId', 'facts', 'view']
const factKeyFields = ['appId', 'deviceId']
const viewColumnFields = ['owner', 'owners', 'token', 'known']

/** The row of a registration record. */
export const registrationRow = (record: RegistrationRecord): RegistrationRowValues => {
  const r = record as unknown as Obj
  const facts = r['facts']
  const view = r['view']
  const v = isObj(view) ? view : {}
  const token = tokenColumnsOf(v['token'])
  const owner = isText(v['owner']) ? v['owner'] : null
  const owners = isOwners(v['owners']) ? v['owners'] : null
  // The query columns, derived from the view whatever its shape (as `indexEntryOf` would).
  const ownersValue = owners === null ? null : ownersColumn(owner, owners)
  const verbatim = (): RegistrationRowValues => rowOf(record, token ?? noToken, owner, ownersValue, v['known'] === true, { $record: r })
  const canonical = token !== null && (v['owner'] === null || owner !== null) && owners !== null && typeof v['known'] === 'boolean' && Array.isArray(facts) && !('$record' in r)
  if (!canonical) return verbatim()
  // The view's token (a plain one: `tokenColumnsOf` checked it), which facts write as `0`.
  const current = token.token === null ? undefined : ((v['token'] as Obj)['token'] as PushToken)
  const stripped: Obj[] = []
  for (const fact of facts as Json[]) {
    if (!isObj(fact) || fact['appId'] !== record.appId || fact['deviceId'] !== record.deviceId || fact['token'] === 0) return verbatim()
    const rest = without(fact, factKeyFields)
    if (current !== undefined && 'token' in rest && sameToken(rest['token'], current)) rest['token'] = 0
    stripped.push(rest)
  }
  const data = without(r, recordFields)
  data['facts'] = stripped
  data['view'] = without(v, viewColumnFields)
  return rowOf(record, token, owner, ownersValue, v['known'] as boolean, data)
}

/** The registration record a row holds (the inverse of {@link registrationRow}). */
export const registrationOf = (row: RegistrationRowValues): RegistrationRecord => {
  const data = row.data ?? {}
  if ('$record' in data) return data['$record'] as RegistrationRecord
  const { facts, view, ...others } = data as Obj & { facts: Obj[]; view: Obj }
  const appId = row.app_id as AppId
  const deviceId = row.device_id as DeviceId
  const token = tokenStateOf(row, row.status)
  const current = (token as { token?: PushToken }).token
  return {
    kind: 'registration',
    appId,
    deviceId,
    facts: facts.map((fact) => (fact['token'] === 0 ? { ...fact, token: current, appId, deviceId } : { ...fact, appId, deviceId })),
    view: {
      ...view,
      owner: row.owner,
      owners: row.owners ?? (row.owner === null ? [] : [row.owner]),
      token,
      known: row.known === true,
    },
    ...others,
  } as unknown as RegistrationRecord
}
