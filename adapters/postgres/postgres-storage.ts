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
import { indexChangesOf } from './index-rows.js'
import { indexParams, indexWriteCtes } from './index-writes.js'
import { migrate as runMigrations } from './migrate.js'
import { driverWithoutRowValues } from './postgres-error.js'
import { holdsUnstorable, refusalOf, unstorableWrites } from './refusals.js'
import type { RowKey } from './record-keys.js'
import { appScoped, rowKeyOf } from './record-keys.js'
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
 * One table holds every record as `jsonb` with a version; see the README for the schema.
 *
 * - `read` is one statement for any number of keys (arrays joined through `unnest`).
 * - `commit` is one statement, hence one transaction, for any number of writes and deletions:
 *   it locks the rows it updates or deletes, in key order, checks their versions, and only if
 *   all match inserts the new rows (a creation whose row exists fails on the primary key: a
 *   conflict), updates the others and deletes the deleted (READ COMMITTED + row locks: see the README for why not SERIALIZABLE).
 *   The records read and not written (`CommitOptions.reads`, `checksReads`) are locked FOR
 *   SHARE NOWAIT and checked in the same statement. A write that
 *   lost a race is reported as a conflict, never half-applied. Writes PostgreSQL will not
 *   hold (over a program limit, a value it cannot represent, U+0000) are `refused`, and the
 *   registry isolates the inputs behind them. Keys are indexed by digest (migration 003), so
 *   ids and token keys of any length the registry allows fit the indexes.
 * - `scan` pages by the insertion sequence (keyset), so an export holds one page in memory.
 * - `queryRegistrations` / `queryUsers` are answered in SQL from typed index tables (migration
 *   007) that each commit maintains in the same statement, from the index entries of its
 *   writes: keyset pages over partial indexes, `indexedQueries: true`.
 * - The token-health queries: daily counters are a table the commit statement increments
 *   (`CommitOptions.counts`), recent dispatches an index range (migration 005); registration
 *   counts are one grouped statement over the app's registration rows, in the database.
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
    const { rows } = await driver.query<{ n: number; version: unknown; record: RegistryRecord }>(sql.read, columns(keys.map(rowKeyOf)))
    const found: (StoredRecord | undefined)[] = keys.map(() => undefined)
    for (const row of rows) found[row.n - 1] = { record: row.record, version: Number(row.version) }
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
    const named: (RecordKey | RegistryRecord)[] = [...writes.map((write) => write.record), ...deletes.map((d) => d.key)]
    const keys = named.map(rowKeyOf)
    // A deletion is a row of the same statement with no record (JSON null) and `drop` set.
    const json = [...writes.map((write) => JSON.stringify(write.record)), ...deletes.map(() => 'null')]
    const unstorable = unstorableWrites(writes, json)
    if (unstorable !== null) return { ok: false, refused: unstorable }
    // I2 within the commit: a decision taken from records some of which moved on since (read
    // at different times, or cached) may do it, and is a conflict; one from current records
    // is the caller's bug, and throws.
    if (twoActiveHolders(writes)) {
      const moved = await movedSince([])
      if (moved.length > 0) return { ok: false, conflicts: moved }
      throw new Error('commit makes one token active in two registrations of one app (I2), from records at their current versions')
    }
    const [kinds, scopes, ids] = columns(keys)
    // The stale rows are numbered over the writes, the deletions, then the reads checked.
    const numbered: readonly RecordKey[] = [...(named as RecordKey[]), ...checks.map((c) => c.key)]
    try {
      const { rows } = await driver.query<{ stale: number[] }>(sql.commit, [
        kinds,
        scopes,
        ids,
        [...writes.map((write) => write.expectedVersion), ...deletes.map((d) => d.expectedVersion)],
        // One JSON array rather than a jsonb[]: an array literal of JSON texts is escaped by the
        // client and unescaped by the server, which cost twice as much as parsing one document.
        `[${json.join(',')}]`,
        named.length,
        named.map((_, i) => i >= writes.length),
        changesJson(changes),
        forget,
        countsJson(counts),
        ...indexParams(indexChangesOf(writes, deletes)),
        ...columns(checks.map((c) => rowKeyOf(c.key))),
        checks.map((c) => c.expectedVersion),
      ])
      const stale = rows[0]?.stale ?? []
      if (stale.length === 0) return { ok: true }
      return { ok: false, conflicts: stale.map((n) => recordId(numbered[n - 1] as RecordKey)) }
    } catch (error) {
      const refused = refusalOf(error)
      if (refused !== null) return { ok: false, refused }
      if (!lostARace(error)) throw error
      return { ok: false, conflicts: await conflictsAfterRace(writes, deletes, checks, keys) }
    }
  }

  /**
   * The ids to report after a commit failed on another transaction's doing: the written (and
   * checked) records whose version moved, and the registrations of other devices that now hold, active,
   * a token this commit made active (I2). Never empty, so that a conflict always names a record.
   */
  const conflictsAfterRace = async (
    writes: readonly RecordWrite[],
    deletes: readonly RecordDelete[],
    checks: readonly RecordRead[],
    keys: readonly RowKey[],
  ): Promise<string[]> => {
    const expected = [
      ...writes.map((write) => ({ key: write.record as RecordKey | RegistryRecord, version: write.expectedVersion })),
      ...[...deletes, ...checks].map((d) => ({ key: d.key, version: d.expectedVersion })),
    ]
    const current = await read(expected.map((e) => e.key as RecordKey))
    const moved = expected.filter((e, i) => (current[i]?.version ?? 0) !== e.version).map((e) => recordId(e.key))
    const active = activeTokens(writes)
    const written = new Set(keys.map((key) => `${key.kind}\u0000${key.scope}\u0000${key.id}`))
    const { rows } =
      active.length === 0
        ? { rows: [] }
        : await driver.query<{ scope: string; id: string }>(sql.holders, [active.map((a) => a.appId), active.map((a) => a.key)])
    const holders = rows
      .filter((row) => !written.has(`registration\u0000${row.scope}\u0000${row.id}`))
      .map((row) => recordId({ kind: 'registration', appId: row.scope as AppId, deviceId: row.id as DeviceId }))
    const conflicts = [...new Set([...moved, ...holders])]
    return conflicts.length > 0 ? conflicts : expected.map((e) => recordId(e.key))
  }

  const scan = async (request: ScanRequest): Promise<ScanPage> => {
    const after = parseCursor(request.cursor)
    const limit = Math.max(0, Math.floor(request.limit))
    const byApp = request.appId !== undefined && appScoped(request.kind)
    // One row more than asked tells whether another page follows, so the last page says so.
    const { rows } = byApp
      ? await driver.query<ScannedRow>(sql.scanScope, [request.kind, request.appId, after, limit + 1])
      : await driver.query<ScannedRow>(sql.scanKind, [request.kind, after, limit + 1])
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return {
      records: page.map((row) => ({ record: row.record, version: Number(row.version) })),
      next: rows.length > limit && last !== undefined ? last.cursor : null,
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
    const { rows } = await driver.query<{ record: SummarisedDispatch }>(sql.recentDispatches, [query.appId, Math.max(0, Math.floor(query.limit))])
    // Equal times are ordered by the id's bytes in SQL; the port orders them as JavaScript compares strings.
    return rows.map((row) => row.record).sort(compareRecentDispatches)
  }

  const capabilities: StorageCapabilities = {
    sharedAcrossProcesses: options.sharedAcrossProcesses ?? true,
    durable: options.durable ?? true,
    // From the index tables of migration 007, in SQL (`sql-index-queries.ts`).
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

interface ScannedRow {
  readonly cursor: string
  readonly version: unknown
  readonly record: RegistryRecord
}

/** The SQL of the adapter for one (quoted) schema. Values are always parameters. */
const statements = (s: string) => ({
  read: `SELECT k.n::int AS n, r.version, r.record
    FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(kind, scope, id, n)
    JOIN ${s}.records r ON r.kind = k.kind AND r.scope = k.scope AND r.id_digest = ${s}.key_digest(k.id) AND r.id = k.id`,
  // One statement is one transaction: the CTEs share it. `current` locks the rows the writes
  // update, in key order (two commits lock in the same order, so they queue rather than
  // deadlock), and reads their latest committed versions (READ COMMITTED re-reads a row it had
  // to wait for). `stale` lists the writes whose expected version differs. Creations are not
  // looked up first (most of a unit's writes, and a look-up each): a creation whose row exists
  // makes the plain INSERT fail on the primary key, and the adapter reports that as a conflict
  // (the failed statement rolled back as a whole). Only when some update is stale anyway, so
  // nothing will be inserted, are the creations looked up, to list every conflict at once.
  // The writes are gated on `stale` being empty, so a conflict writes nothing.
  // Rows are matched on the primary key `(kind, scope, id_digest)` (see migration 003) and on
  // the id itself; `d` computes each write's digest once.
  commit: `WITH w AS MATERIALIZED (
      SELECT w.*, ${s}.key_digest(w.id) AS d FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::bigint[]),
          jsonb_array_elements($5::jsonb), unnest($7::boolean[]))
        WITH ORDINALITY AS w(kind, scope, id, expected, record, drop, n)
    ),
    current AS MATERIALIZED (
      SELECT r.kind, r.scope, r.id, r.version FROM ${s}.records r
      JOIN w ON r.kind = w.kind AND r.scope = w.scope AND r.id_digest = w.d AND r.id = w.id
      WHERE w.expected > 0
      ORDER BY r.kind, r.scope, r.id
      FOR UPDATE OF r
    ),
    stale_updates AS MATERIALIZED (
      SELECT w.n FROM w LEFT JOIN current c ON c.kind = w.kind AND c.scope = w.scope AND c.id = w.id
      WHERE w.expected > 0 AND coalesce(c.version, 0) <> w.expected
    ),
    -- The records read and not written (CommitOptions.reads), numbered after the writes and
    -- deletions: each must still be at the version read. Their rows are locked FOR SHARE, so no
    -- writer can change one between this check and the commit; after every FOR UPDATE lock
    -- (checked reads current), and NOWAIT: a row another commit is writing fails the
    -- statement at once (55P03, a conflict) rather than waiting, so these locks never take part
    -- in a wait cycle (commits still queue only on FOR UPDATE locks, in key order). A read of an
    -- absent record checks that no row is there.
    checks AS MATERIALIZED (
      SELECT c.*, ${s}.key_digest(c.id) AS d
      FROM unnest($16::text[], $17::text[], $18::text[], $19::bigint[]) WITH ORDINALITY AS c(kind, scope, id, expected, n)
    ),
    checked AS MATERIALIZED (
      SELECT r.kind, r.scope, r.id, r.version FROM ${s}.records r
      JOIN checks c ON r.kind = c.kind AND r.scope = c.scope AND r.id_digest = c.d AND r.id = c.id
      WHERE c.expected > 0 AND (SELECT count(*) FROM current) >= 0
      ORDER BY r.kind, r.scope, r.id
      FOR SHARE OF r NOWAIT
    ),
    stale_reads AS MATERIALIZED (
      SELECT $6 + c.n AS n FROM checks c LEFT JOIN checked k ON k.kind = c.kind AND k.scope = c.scope AND k.id = c.id
      WHERE c.expected > 0 AND coalesce(k.version, 0) <> c.expected
      UNION ALL
      SELECT $6 + c.n FROM checks c
      WHERE c.expected = 0 AND EXISTS (SELECT 1 FROM ${s}.records r WHERE r.kind = c.kind AND r.scope = c.scope AND r.id_digest = c.d AND r.id = c.id)
    ),
    stale AS MATERIALIZED (
      SELECT n FROM stale_updates
      UNION ALL
      SELECT n FROM stale_reads
      UNION ALL
      SELECT w.n FROM w
      WHERE w.expected = 0 AND (EXISTS (SELECT 1 FROM stale_updates) OR EXISTS (SELECT 1 FROM stale_reads))
        AND EXISTS (SELECT 1 FROM ${s}.records r WHERE r.kind = w.kind AND r.scope = w.scope AND r.id_digest = w.d AND r.id = w.id)
    ),
    inserted AS (
      INSERT INTO ${s}.records (kind, scope, id, version, record)
      SELECT w.kind, w.scope, w.id, 1, w.record FROM w
      WHERE w.expected = 0 AND NOT EXISTS (SELECT 1 FROM stale)
      ORDER BY w.kind, w.scope, w.id
      RETURNING 1
    ),
    updated AS (
      UPDATE ${s}.records r SET version = r.version + 1, record = w.record
      FROM w
      WHERE r.kind = w.kind AND r.scope = w.scope AND r.id_digest = w.d AND r.id = w.id
        AND w.expected > 0 AND NOT w.drop AND r.version = w.expected AND NOT EXISTS (SELECT 1 FROM stale)
      RETURNING 1
    ),
    deleted AS (
      DELETE FROM ${s}.records r USING w
      WHERE r.kind = w.kind AND r.scope = w.scope AND r.id_digest = w.d AND r.id = w.id
        AND w.drop AND r.version = w.expected AND NOT EXISTS (SELECT 1 FROM stale)
      RETURNING 1
    ),
    applied AS MATERIALIZED (
      SELECT (SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated) + (SELECT count(*) FROM deleted) AS n
    ),
    -- The index tables (migration 005), after the record rows (the gate reads applied), so a
    -- commit locks record rows before index rows, as every other commit does.
    ${indexWriteCtes(s, { registrations: 11, users: 12, droppedAppIds: 13, droppedDeviceIds: 14, droppedUsers: 15 }, 'NOT EXISTS (SELECT 1 FROM stale) AND (SELECT n FROM applied) >= 0')},
    drafts AS MATERIALIZED (
      SELECT d.value AS draft, d.n FROM jsonb_array_elements($8::jsonb) WITH ORDINALITY AS d(value, n)
    ),
    -- The feed's numbers come last: the counter row is locked only once every record row is
    -- written (the condition reads applied, so the writes run first), and held until commit.
    -- No sequence: see migration 002 for why commit order needs this row.
    counter AS (
      UPDATE ${s}.change_counter SET last = last + (SELECT count(*) FROM drafts)
      WHERE EXISTS (SELECT 1 FROM drafts) AND NOT EXISTS (SELECT 1 FROM stale) AND (SELECT n FROM applied) >= 0
      RETURNING last
    ),
    appended AS (
      INSERT INTO ${s}.changes (seq, at, users, change)
      SELECT c.last - (SELECT count(*) FROM drafts) + d.n, (d.draft ->> 'at')::bigint,
        ARRAY(SELECT jsonb_array_elements_text(d.draft -> 'users')), d.draft -> 'change'
      FROM drafts d CROSS JOIN counter c
      RETURNING 1
    ),
    -- The daily counters, after the counter row (so commits that count lock in one order:
    -- records, counter, counters by key). A conflicting commit counts nothing.
    counted AS (
      INSERT INTO ${s}.daily_counts AS dc (scope, day, event, reason, count)
      SELECT c.scope, c.day, c.event, c.reason, sum(c.count) FROM jsonb_to_recordset($10::jsonb) AS c(scope text, day integer, event text, reason text, count bigint)
      WHERE NOT EXISTS (SELECT 1 FROM stale) AND (SELECT n FROM applied) >= 0 AND (SELECT count(*) FROM counter) >= 0
      GROUP BY c.scope, c.day, c.event, c.reason
      ORDER BY c.scope, c.day, c.event, c.reason
      ON CONFLICT (scope, day, event, reason) DO UPDATE SET count = dc.count + excluded.count
      RETURNING 1
    ),
    -- D14: an app keeps ${dailyCountDays} days of counters before the newest it was given (never
    -- a row this statement increments: one statement cannot both update and delete a row).
    aged AS (
      DELETE FROM ${s}.daily_counts d
      USING (SELECT c.scope, min(c.day) AS oldest, max(c.day) AS newest FROM jsonb_to_recordset($10::jsonb) AS c(scope text, day integer) GROUP BY c.scope) n
      WHERE d.scope = n.scope AND d.day < n.newest - ${dailyCountDays} AND d.day < n.oldest AND NOT EXISTS (SELECT 1 FROM stale)
      RETURNING 1
    ),
    -- Sees the feed as the statement began, so this commit's own changes are not forgotten.
    forgotten AS (
      DELETE FROM ${s}.changes f
      WHERE cardinality($9::text[]) > 0 AND f.users && $9::text[] AND NOT EXISTS (SELECT 1 FROM stale)
      RETURNING 1
    )
    SELECT coalesce((SELECT array_agg(n::int ORDER BY n) FROM stale), '{}'::int[]) AS stale,
      CASE WHEN EXISTS (SELECT 1 FROM stale) THEN 0
        ELSE ${s}.assert_indexed((SELECT n FROM applied) + (SELECT count(*) FROM appended), $6 + (SELECT count(*) FROM drafts)) END AS applied`,
  // R19, D7: the band is how many bounds are at or before reportedAt (width_bucket's count of
  // lower bounds); the registry turns bands into stale and expired at its now.
  countRegistrations: `SELECT r.status, CASE WHEN r.status = 'active' THEN r.capability END AS capability,
      CASE WHEN r.status = 'none' THEN 0 ELSE width_bucket(r.reported_at, $2::bigint[]) END AS band,
      count(*) AS count
    FROM ${s}.registration_entries r WHERE r.app_id = $1
    GROUP BY 1, 2, 3`,
  readDailyCounts: `SELECT day, event, reason, count FROM ${s}.daily_counts
    WHERE scope = $1 AND day BETWEEN $2 AND $3 AND count <> 0`,
  recentDispatches: `SELECT r.record FROM ${s}.records r
    WHERE r.kind = 'dispatch' AND r.scope = $1 AND (r.record -> 'sends') IS NOT NULL
    ORDER BY ((r.record -> 'sends' ->> 'lastAt')::bigint) DESC, r.id COLLATE "C" DESC LIMIT $2`,
  readChanges: `SELECT f.seq::text AS cursor, f.at, f.users, f.change FROM ${s}.changes f
    WHERE f.seq > $1::bigint ORDER BY f.seq LIMIT $2`,
  pruneChanges: `WITH pruned AS (DELETE FROM ${s}.changes WHERE at < $1 RETURNING 1) SELECT count(*)::int AS n FROM pruned`,
  holders: `SELECT r.scope, r.id
    FROM unnest($1::text[], $2::text[]) AS a(scope, token)
    JOIN ${s}.records r ON r.scope = a.scope AND ${s}.key_digest(r.active_token) = ${s}.key_digest(a.token)
      AND r.active_token = a.token AND r.active_token IS NOT NULL`,
  // The cursor goes out as text (a bigint may exceed 2^53); the ordering stays on the number.
  scanScope: `SELECT r.seq::text AS cursor, r.version, r.record FROM ${s}.records r
    WHERE r.kind = $1 AND r.scope = $2 AND r.seq > $3::bigint ORDER BY r.seq LIMIT $4`,
  scanKind: `SELECT r.seq::text AS cursor, r.version, r.record FROM ${s}.records r
    WHERE r.kind = $1 AND r.seq > $2::bigint ORDER BY r.seq LIMIT $3`,
})

/** The row keys as three parallel arrays, the shape `unnest` takes. */
const columns = (keys: readonly RowKey[]): [string[], string[], string[]] => [
  keys.map((key) => key.kind),
  keys.map((key) => key.scope),
  keys.map((key) => key.id),
]

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
  storableText(JSON.stringify(counts.map((c) => ({ scope: c.appId, day: c.day, event: c.event, reason: c.reason, count: c.count }))), 'a daily counter')

const parseChangeCursor = (cursor: string): string => {
  if (!/^\d{1,19}$/.test(cursor)) throw new Error(`invalid change cursor ${JSON.stringify(cursor)}`)
  return cursor
}

const parseCursor = (cursor: string | undefined): string => {
  if (cursor === undefined) return '0'
  if (!/^\d{1,19}$/.test(cursor)) throw new Error(`invalid scan cursor ${JSON.stringify(cursor)}`)
  return cursor
}
