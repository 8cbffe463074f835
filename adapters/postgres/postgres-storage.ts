import type {
  AppId,
  ChangeDraft,
  ChangesRequest,
  CommitOptions,
  CommitOutcome,
  DailyCount,
  DailyCountDraft,
  DailyCountQuery,
  DeviceId,
  RecentDispatchQuery,
  RegistrationCount,
  RegistrationCountQuery,
  SummarisedDispatch,
  RecordDelete,
  RecordKey,
  RecordRead,
  RecordWrite,
  RegistryRecord,
  ScanPage,
  ScanRequest,
  StorageCapabilities,
  StoragePort,
  StoredChange,
  StoredRecord,
  TokenKey,
  UserId,
} from 'push-registry'
import { compareRecentDispatches, dailyCountDays, recordId } from 'push-registry'
import { cursorJson } from './cursor-json.js'
import { migrate as runMigrations } from './migrate.js'
import { driverWithoutRowValues } from './postgres-error.js'
import { holdsUnstorable, refusalOf, unstorableWrites } from './refusals.js'
import { commitStatement, readStatement, rowJson, scanStatement } from './typed-statements.js'
import type { TableSpec } from './typed-tables.js'
import { digestKeyed, tableOf, tables } from './typed-tables.js'
import { defaultSchema, quotedSchema } from './schema-name.js'
import { sqlIndexQueries } from './sql-index-queries.js'
import type { SqlDriver } from './sql-driver.js'

/** Options of {@link createPostgresStorage}. */
export interface PostgresStorageOptions {
  /** How to reach the database: `pgDriver(pool)`, `pgliteDriver(db)`, or a driver of the host's. */
  readonly driver: SqlDriver
  /** The schema holding the tables. Default `push_registry`. */
  readonly schema?: string
  /** Run {@link migrate} before answering. Default `true`; pass `false` when deploys migrate. */
  readonly migrate?: boolean
  /**
   * Whether records survive a restart. Default `true` (a server, or PGlite with a data
   * directory); pass `false` for an in-memory PGlite.
   */
  readonly durable?: boolean
  /**
   * Whether several processes can share the store. Default `true` (a server); pass `false`
   * for PGlite, which one process opens at a time.
   */
  readonly sharedAcrossProcesses?: boolean
}

/**
 * The registry's storage on PostgreSQL (a server through `pg`, or embedded through PGlite).
 * One typed table per kind of record (migration 008): key fields and query columns as columns,
 * the rest of the record as JSON, with a version; see the README for the schema.
 *
 * - `read` is one statement for any number of keys of any kinds (per table, arrays joined
 *   through `unnest`, under `UNION ALL`).
 * - `commit` is one statement, hence one transaction, for any number of writes and deletions:
 *   it locks the rows it updates or deletes, table by table in a fixed order and in key order,
 *   checks their versions (and those of the records read and not written, `CommitOptions.reads`,
 *   under FOR SHARE NOWAIT locks), and only if all match inserts the new rows (a creation whose
 *   row exists fails on the primary key: a conflict), updates the others and deletes the
 *   deleted (READ COMMITTED + row locks: see the README for why not SERIALIZABLE). A write that
 *   lost a race is reported as a conflict, never half-applied. Writes PostgreSQL will not
 *   hold (over a program limit, a value it cannot represent, U+0000) are `refused`, and the
 *   registry isolates the inputs behind them. Token keys are indexed by digest (migration
 *   003), so tokens of any length the registry allows fit the indexes.
 * - `scan` pages by primary key (keyset), so an export holds one page in memory.
 * - `queryRegistrations` / `queryUsers` are answered in SQL from the query columns of
 *   `registrations` and `users`, written with their rows: keyset pages over partial indexes,
 *   `indexedQueries: true`.
 * - The token-health queries: daily counters are a table the commit statement increments
 *   (`CommitOptions.counts`), recent dispatches an index range; registration counts are one
 *   grouped statement over the app's registration rows, in the database.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * import { createRegistry } from 'push-registry'
 * import { createPostgresStorage, pgDriver } from 'push-registry/postgres'
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * const storage = await createPostgresStorage({ driver: pgDriver(pool) })
 * const registry = createRegistry({ apps, storage })
 * ```
 */
export const createPostgresStorage = async (options: PostgresStorageOptions): Promise<StoragePort> => {
  // S2: the database's errors leave the adapter without the statement values clients attach.
  const driver = driverWithoutRowValues(options.driver)
  const schema = options.schema ?? defaultSchema
  const s = quotedSchema(schema)
  if (options.migrate !== false) await runMigrations(driver, { schema })
  const sql = statements(s)

  const read = async (keys: readonly RecordKey[]): Promise<readonly (StoredRecord | undefined)[]> => {
    if (keys.length === 0) return []
    const groups = groupByTable(keys)
    const { sql: text, params } = readStatement(s, groups)
    const { rows } = await driver.query<{ n: number; t: number; row: Record<string, unknown> }>(text, params)
    const found: (StoredRecord | undefined)[] = keys.map(() => undefined)
    for (const row of rows) {
      const spec = (groups[row.t] as { spec: TableSpec }).spec
      found[row.n - 1] = { record: spec.recordOf(row.row), version: Number(row.row['version']) }
    }
    return found
  }

  const commit = async (writes: readonly RecordWrite[], options: CommitOptions = {}): Promise<CommitOutcome> => {
    const deletes = options.deletes ?? []
    const changes = options.changes ?? []
    const forget = options.forgetChanges ?? []
    const counts = options.counts ?? []
    const checks = options.reads ?? []
    if (writes.length === 0 && deletes.length === 0 && checks.length === 0 && changes.length === 0 && forget.length === 0 && counts.length === 0) return { ok: true }
    // A deletion expecting no record names nothing to delete: a conflict, as on every store.
    // The records named at a version, other than `except`, whose stored version is another:
    // found by reading them, for a commit that will not run its statement anyway.
    const movedSince = async (except: readonly RecordDelete[]): Promise<string[]> => {
      const named = [...writes.map((write) => ({ key: write.record as RecordKey, expectedVersion: write.expectedVersion })), ...deletes.filter((d) => !except.includes(d)), ...checks]
      const current = await read(named.map((n) => n.key))
      return named.filter((n, i) => (current[i]?.version ?? 0) !== n.expectedVersion).map((n) => recordId(n.key))
    }
    const absent = deletes.filter((d) => d.expectedVersion === 0)
    if (absent.length > 0) return { ok: false, conflicts: [...absent.map((d) => recordId(d.key)), ...(await movedSince(absent))] }
    // Numbered as the statement reports stale rows: writes, deletions, then the reads checked.
    const named: (RecordKey | RegistryRecord)[] = [...writes.map((write) => write.record), ...deletes.map((d) => d.key), ...checks.map((c) => c.key)]
    // Rows, not records, are what the statement carries; a row's JSON is what PostgreSQL must store.
    const perTable = new Map<TableSpec, string[]>()
    const texts: string[] = []
    const rowsOf = (spec: TableSpec): string[] => {
      let list = perTable.get(spec)
      if (list === undefined) perTable.set(spec, (list = []))
      return list
    }
    writes.forEach((write, i) => {
      const spec = tableOf(write.record.kind)
      // The row's JSON with `n`, `expected` and `drop` put in front: cheaper than spreading the
      // row into a new object first (a row has at least its key, so its text starts with `{"`).
      const text = `{"n":${i + 1},"expected":${JSON.stringify(write.expectedVersion)},"drop":false,${JSON.stringify(spec.rowOf(write.record)).slice(1)}`
      texts.push(text)
      rowsOf(spec).push(text)
    })
    const unstorable = unstorableWrites(writes, texts)
    if (unstorable !== null) return { ok: false, refused: unstorable }
    deletes.forEach((d, i) => {
      const spec = tableOf(d.key.kind)
      const row: Record<string, unknown> = { n: writes.length + i + 1, expected: d.expectedVersion, drop: true }
      spec.keyOf(d.key).forEach((value, k) => (row[(spec.keys[k] as readonly [string, string])[0]] = value))
      rowsOf(spec).push(JSON.stringify(row))
    })
    const checked = new Map<TableSpec, string[]>()
    checks.forEach((c, i) => {
      const spec = tableOf(c.key.kind)
      const row: Record<string, unknown> = { n: writes.length + deletes.length + i + 1, expected: c.expectedVersion }
      spec.keyOf(c.key).forEach((value, k) => (row[(spec.keys[k] as readonly [string, string])[0]] = value))
      const list = checked.get(spec)
      if (list === undefined) checked.set(spec, [JSON.stringify(row)])
      else list.push(JSON.stringify(row))
    })
    // I2 within the commit: a decision taken from records some of which moved on since (read
    // at different times, or cached) may do it, and is a conflict; one from current records
    // is the caller's bug, and throws.
    if (twoActiveHolders(writes)) {
      const moved = await movedSince([])
      if (moved.length > 0) return { ok: false, conflicts: moved }
      throw new Error('commit makes one token active in two registrations of one app (I2), from records at their current versions')
    }
    const { sql: text, params } = commitStatement(
      s,
      tables.filter((spec) => perTable.has(spec)).map((spec) => ({ spec, rows: perTable.get(spec) ?? [] })),
      tables.filter((spec) => checked.has(spec)).map((spec) => ({ spec, rows: checked.get(spec) ?? [] })),
      { total: writes.length + deletes.length, changesJson: changesJson(changes), forget, countsJson: countsJson(counts), dailyCountDays },
    )
    try {
      const { rows } = await driver.query<{ stale: number[] }>(text, params)
      const stale = rows[0]?.stale ?? []
      if (stale.length === 0) return { ok: true }
      return { ok: false, conflicts: stale.map((n) => recordId(named[n - 1] as RecordKey)) }
    } catch (error) {
      const refused = refusalOf(error)
      if (refused !== null) return { ok: false, refused }
      if (!lostARace(error)) throw error
      return { ok: false, conflicts: await conflictsAfterRace(writes, deletes, checks) }
    }
  }

  /**
   * The ids to report after a commit failed on another transaction's doing: the written (and
   * checked) records whose version moved, and the registrations of other devices that now hold,
   * active, a token this commit made active (I2). Never empty, so that a conflict always names a record.
   */
  const conflictsAfterRace = async (writes: readonly RecordWrite[], deletes: readonly RecordDelete[], checks: readonly RecordRead[]): Promise<string[]> => {
    const expected = [
      ...writes.map((write) => ({ key: write.record as RecordKey | RegistryRecord, version: write.expectedVersion })),
      ...[...deletes, ...checks].map((d) => ({ key: d.key, version: d.expectedVersion })),
    ]
    const current = await read(expected.map((e) => e.key as RecordKey))
    const moved = expected.filter((e, i) => (current[i]?.version ?? 0) !== e.version).map((e) => recordId(e.key))
    const active = activeTokens(writes)
    const written = new Set(expected.map((e) => recordId(e.key)))
    const { rows } =
      active.length === 0
        ? { rows: [] }
        : await driver.query<{ app_id: string; device_id: string }>(sql.holders, [active.map((a) => a.appId), active.map((a) => a.key)])
    const holders = rows
      .map((row) => recordId({ kind: 'registration', appId: row.app_id as AppId, deviceId: row.device_id as DeviceId }))
      .filter((id) => !written.has(id))
    const conflicts = [...new Set([...moved, ...holders])]
    return conflicts.length > 0 ? conflicts : expected.map((e) => recordId(e.key))
  }

  const scan = async (request: ScanRequest): Promise<ScanPage> => {
    const spec = tableOf(request.kind)
    const after = parseCursor(request.cursor, spec)
    const limit = Math.max(0, Math.floor(request.limit))
    const byApp = request.appId !== undefined && spec.appScoped
    // A page of one app after a cursor of that app compares the rest of the key (scanStatement).
    const from = byApp && after !== undefined && after[0] === request.appId ? 1 : 0
    // One row more than asked tells whether another page follows, so the last page says so.
    const { rows } = await driver.query<{ cursor: string[]; row: Record<string, unknown> }>(scanStatement(s, spec, byApp, after, from), [
      ...(byApp ? [request.appId] : []),
      ...(after ?? []).slice(from),
      limit + 1,
    ])
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      records: page.map((row) => ({ record: spec.recordOf(row.row), version: Number(row.row['version']) })),
      next: rows.length > limit && last !== undefined ? JSON.stringify(last.cursor) : null,
    }
  }

  const readChanges = async (request: ChangesRequest): Promise<readonly StoredChange[]> => {
    const after = request.after === undefined ? '0' : parseChangeCursor(request.after)
    const limit = Math.max(0, Math.floor(request.limit))
    const { rows } = await driver.query<{ cursor: string; at: unknown; users: UserId[]; change: unknown }>(sql.readChanges, [after, limit])
    return rows.map((row) => ({ cursor: row.cursor, at: Number(row.at), users: row.users, change: row.change }))
  }

  const pruneChanges = async ({ before }: { readonly before: number }): Promise<number> => {
    const { rows } = await driver.query<{ n: number }>(sql.pruneChanges, [Math.floor(before)])
    return Number(rows[0]?.n ?? 0)
  }

  // The overview's queries. Daily counters and recent dispatches are index ranges (migration
  // 005). Registration counts are one grouped statement over the app's registration rows: the
  // database walks them (no row leaves it), at a cost that grows with the app, until the adapter
  // has typed index tables for registrations.
  const countRegistrations = async (query: RegistrationCountQuery): Promise<readonly RegistrationCount[]> => {
    const { rows } = await driver.query<{ status: RegistrationCount['status']; capability: RegistrationCount['capability']; band: number; count: unknown }>(sql.countRegistrations, [
      query.appId,
      query.bounds.map((b) => Math.floor(b)),
    ])
    return rows.map((row) => ({ status: row.status, capability: row.capability, band: Number(row.band), count: Number(row.count) }))
  }

  const readDailyCounts = async (query: DailyCountQuery): Promise<readonly DailyCount[]> => {
    const { rows } = await driver.query<{ day: number; event: DailyCount['event']; reason: string; count: unknown }>(sql.readDailyCounts, [
      query.appId,
      Math.floor(query.fromDay),
      Math.floor(query.toDay),
    ])
    return rows.map((row) => ({ appId: query.appId, day: Number(row.day), event: row.event, reason: row.reason, count: Number(row.count) }))
  }

  const recentDispatches = async (query: RecentDispatchQuery): Promise<readonly SummarisedDispatch[]> => {
    const { rows } = await driver.query<{ row: Record<string, unknown> }>(sql.recentDispatches, [query.appId, Math.max(0, Math.floor(query.limit))])
    const dispatches = tableOf('dispatch')
    // Equal times are ordered by the id's bytes in SQL; the port orders them as JavaScript compares strings.
    return rows.map((row) => dispatches.recordOf(row.row) as SummarisedDispatch).sort(compareRecentDispatches)
  }

  const capabilities: StorageCapabilities = {
    sharedAcrossProcesses: options.sharedAcrossProcesses ?? true,
    durable: options.durable ?? true,
    // From the typed tables of migration 008, in SQL (`sql-index-queries.ts`).
    indexedQueries: true,
    // `CommitOptions.reads`: checked in the commit statement, under FOR SHARE locks.
    checksReads: true,
  }
  const { queryRegistrations, queryUsers } = sqlIndexQueries(driver, s)
  return {
    capabilities,
    read,
    commit,
    scan,
    readChanges,
    pruneChanges,
    queryRegistrations,
    queryUsers,
    countRegistrations,
    readDailyCounts,
    recentDispatches,
    close: () => driver.close(),
  }
}

/** The statements that do not depend on the kinds a call touches (see `typed-statements.ts` for those that do). */
const statements = (s: string) => ({
  // R19, D7: the band is how many bounds are at or before reportedAt (width_bucket's count of
  // lower bounds); the registry turns bands into stale and expired at its now. Known rows are
  // the registrations that have an index entry.
  countRegistrations: `SELECT r.status, CASE WHEN r.status = 'active' THEN r.capability END AS capability,
      CASE WHEN r.status = 'none' THEN 0 ELSE width_bucket(r.reported_at, $2::bigint[]) END AS band,
      count(*) AS count
    FROM ${s}.registrations r WHERE r.app_id = $1 AND r.known AND r.status IS NOT NULL
    GROUP BY 1, 2, 3`,
  readDailyCounts: `SELECT day, event, reason, count FROM ${s}.daily_counts
    WHERE app_id = $1 AND day BETWEEN $2 AND $3 AND count <> 0`,
  recentDispatches: `SELECT ${rowJson(tableOf('dispatch'), 'r')} AS row FROM ${s}.dispatches r
    WHERE r.app_id = $1 AND (r.data -> 'sends') IS NOT NULL
    ORDER BY ((r.data -> 'sends' ->> 'lastAt')::bigint) DESC, r.dispatch_id DESC LIMIT $2`,
  readChanges: `SELECT f.seq::text AS cursor, f.at, f.users, f.change FROM ${s}.changes f
    WHERE f.seq > $1::bigint ORDER BY f.seq LIMIT $2`,
  pruneChanges: `WITH pruned AS (DELETE FROM ${s}.changes WHERE at < $1 RETURNING 1) SELECT count(*)::int AS n FROM pruned`,
  // The registrations holding these tokens active, through the I2 index's expression.
  holders: `SELECT r.app_id, r.device_id
    FROM unnest($1::text[], $2::text[]) AS a(app_id, token)
    JOIN ${s}.registrations r ON r.app_id = a.app_id AND ${s}.key_digest(coalesce(r.token_key, r.token)) = ${s}.key_digest(a.token)
      AND coalesce(r.token_key, r.token) = a.token AND r.status = 'active'`,
})

/** The keys of a read grouped by table, each with its positions in the request (from 1). */
const groupByTable = (keys: readonly RecordKey[]) => {
  const groups = new Map<TableSpec, { spec: TableSpec; keys: (readonly (string | number)[])[]; positions: number[] }>()
  keys.forEach((key, i) => {
    const spec = tableOf(key.kind)
    let group = groups.get(spec)
    if (group === undefined) groups.set(spec, (group = { spec, keys: [], positions: [] }))
    group.keys.push(spec.keyOf(key))
    group.positions.push(i + 1)
  })
  return [...groups.values()]
}

/**
 * Errors that mean another transaction got there first, and that a read-again-and-retry
 * resolves: a row inserted concurrently (23505, on the primary key), a token made active
 * concurrently on another device (23P01, the I2 constraint), a deadlock (40P01) or a
 * serialization failure (40001, on servers running stricter isolation than READ COMMITTED), or
 * a record read and not written that another commit holds locked for writing (55P03, the
 * NOWAIT of the read checks). The failed statement changed nothing.
 */
const lostARace = (error: unknown): boolean => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined
  return code === '23505' || code === '23P01' || code === '40P01' || code === '40001' || code === '55P03'
}

/** The (app, token key) pairs a commit's registrations hold active. */
const activeTokens = (writes: readonly RecordWrite[]): { appId: AppId; key: TokenKey }[] =>
  writes.flatMap(({ record }) =>
    record.kind === 'registration' && record.view.token.status === 'active' ? [{ appId: record.appId, key: record.view.token.key }] : [],
  )

/**
 * I2 within one commit: whether two written registrations hold one token active. From records
 * at their current versions that is the caller's bug, not a race: retrying cannot cure it.
 */
const twoActiveHolders = (writes: readonly RecordWrite[]): boolean => {
  const seen = new Set<string>()
  for (const { appId, key } of activeTokens(writes)) {
    const id = `${appId}\u0000${key}`
    if (seen.has(id)) return true
    seen.add(id)
  }
  return false
}

const storableText = (json: string, what: string): string => {
  if (holdsUnstorable(json)) throw new Error(`PostgreSQL cannot store ${what}: it holds U+0000 or an unpaired surrogate`)
  return json
}

/**
 * The drafts as one JSON array (the statement's `$8`). They derive from records the commit
 * already checked (`unstorableWrites`), so a change PostgreSQL cannot store is a defect: it throws.
 */
const changesJson = (changes: readonly ChangeDraft[]): string =>
  `[${changes.map((change) => storableText(JSON.stringify({ at: change.at, users: change.users, change: change.change }), 'a change')).join(',')}]`

/** The daily counters' increments as one JSON array (the statement's `$10`), keyed as the table is. */
const countsJson = (counts: readonly DailyCountDraft[]): string =>
  storableText(JSON.stringify(counts.map((c) => ({ app_id: c.appId, day: c.day, event: c.event, reason: c.reason, count: c.count }))), 'a daily counter')

const parseChangeCursor = (cursor: string): string => {
  if (!/^\d{1,19}$/.test(cursor)) throw new Error(`invalid change cursor ${JSON.stringify(cursor)}`)
  return cursor
}

/** A scan cursor: the JSON array of the last row's key (text; a token key as its digest in hex). */
const parseCursor = (cursor: string | undefined, spec: TableSpec): string[] | undefined => {
  if (cursor === undefined) return undefined
  const parsed = cursorJson(cursor)
  const ok =
    Array.isArray(parsed) &&
    parsed.length === spec.keys.length &&
    parsed.every((v, i) => {
      const [column, type] = spec.keys[i] as readonly [string, string]
      if (typeof v !== 'string') return false
      if (digestKeyed(spec) && column === 'key') return /^[0-9a-f]{64}$/.test(v)
      return type !== 'integer' || /^-?\d{1,10}$/.test(v)
    })
  if (!ok) throw new Error(`invalid scan cursor ${JSON.stringify(cursor)}`)
  return parsed as string[]
}
