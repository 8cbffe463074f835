import type { TableSpec } from './typed-tables.js'
import { digestKeyed } from './typed-tables.js'

/**
 * The SQL of `read`, `commit` and `scan` over the typed tables of migration 008, for one quoted
 * schema `s`. Each statement names only the tables a call touches, so its text depends on the
 * kinds involved, never on values (a prepared-statement driver plans each shape once).
 */

/** Parameters as a statement collects them: `param(value, type)` answers `$n::type`. */
export interface Params {
  readonly values: unknown[]
  readonly param: (value: unknown, type: string) => string
}

export const params = (): Params => {
  const values: unknown[] = []
  return {
    values,
    param: (value, type) => {
      values.push(value)
      return `$${values.length}::${type}`
    },
  }
}

/** `r` and `w` match on the table's key (tokens: the digest, the index, then the key itself). */
export const keyMatch = (spec: TableSpec, r: string, w: string): string =>
  spec.keys
    .map(([c]) => (digestKeyed(spec) && c === 'key' ? `${r}.key_digest = ${w}.d AND ${r}.key = ${w}.key` : `${r}.${c} = ${w}.${c}`))
    .join(' AND ')

/** The primary key's columns, its order (tokens: `key_digest` in place of `key`). */
export const orderColumns = (spec: TableSpec, r: string): string[] => spec.keys.map(([c]) => (digestKeyed(spec) && c === 'key' ? `${r}.key_digest` : `${r}.${c}`))

/** The select list that gives a row back as one JSON object: `version`, the keys, the values. */
export const rowJson = (spec: TableSpec, r: string): string =>
  `json_build_object('version', ${r}.version, ${[...spec.keys, ...spec.values].map(([c]) => `'${c}', ${r}.${c}`).join(', ')})`

/**
 * One statement reading keys of several tables: for each, the keys travel as one array per key
 * column and an array of their positions in the request, through `unnest`, each key looked up
 * on its own (a LATERAL subquery behind `OFFSET 0`, so the planner cannot turn it back into a
 * join). A plain join let the planner, who knows the arrays' lengths, hash the whole table for
 * a batch's thousand keys: a read of 1,000 inputs' keys took 37–44 ms on 11,000 rows, and
 * grew with the table; probing the primary key 1,000 times takes 6–10 ms at any size. Answers
 * `(n, t, row)`: the position, the table's index in `specs`, the row as JSON.
 */
export const readStatement = (s: string, specs: readonly { readonly spec: TableSpec; readonly keys: readonly (readonly (string | number)[])[]; readonly positions: readonly number[] }[]) => {
  const p = params()
  const parts = specs.map(({ spec, keys, positions }, t) => {
    const arrays = [p.param(positions, 'int[]'), ...spec.keys.map(([, type], i) => p.param(keys.map((k) => k[i]), `${type}[]`))]
    const k = `k(n, ${spec.keys.map(([c]) => c).join(', ')})`
    const match = digestKeyed(spec) ? keyMatch(spec, 'r', 'k').replace('k.d', `${s}.key_digest(k.key)`) : keyMatch(spec, 'r', 'k')
    return `SELECT k.n, ${t} AS t, x.row FROM unnest(${arrays.join(', ')}) AS ${k}
      CROSS JOIN LATERAL (SELECT ${rowJson(spec, 'r')} AS row FROM ${s}.${spec.table} r WHERE ${match} OFFSET 0) x`
  })
  return { sql: parts.join('\nUNION ALL\n'), params: p.values }
}

/**
 * What a commit writes to one table (rows as JSON texts of objects with `n`, the position that
 * names it in `stale`, `expected`, `drop` and the columns), or the keys it checks there (`n`,
 * `expected` and the key columns).
 */
export interface TableWrites {
  readonly spec: TableSpec
  readonly rows: readonly string[]
}

/** The rest of a commit, beside its rows. */
export interface CommitExtras {
  /** Every write and deletion (what the guard counts). */
  readonly total: number
  readonly changesJson: string
  readonly forget: readonly string[]
  readonly countsJson: string
  readonly dailyCountDays: number
}

/**
 * The commit: ONE statement, hence one transaction, for every table it writes. For each table,
 * `c_i` locks the rows the writes update or delete, in key order (tables in the order of
 * `tables`, so two commits lock in the same order and queue rather than deadlock), and reads
 * their latest committed versions (READ COMMITTED re-reads a row it waited for); `su_i` lists
 * the stale ones. Creations are not looked up (a creation whose row exists fails the plain
 * INSERT on the primary key: a conflict, the statement rolled back), unless an update is stale
 * anyway, so that the conflict lists them all. Every write is gated on nothing being stale.
 * The feed, the daily counters and erasure's forgetting follow, as in migration 002 and 005.
 */
export const commitStatement = (s: string, writes: readonly TableWrites[], reads: readonly TableWrites[], extras: CommitExtras) => {
  const p = params()
  const gate = 'NOT EXISTS (SELECT 1 FROM stale)'
  const ctes: string[] = []
  writes.forEach(({ spec, rows }, i) => {
    const recordset = ['n int', 'expected bigint', '"drop" boolean', ...[...spec.keys, ...spec.values].map(([c, t]) => `${c} ${t}`)].join(', ')
    ctes.push(
      `w_${i} AS MATERIALIZED (SELECT w.*${digestKeyed(spec) ? `, ${s}.key_digest(w.key) AS d` : ''} FROM json_to_recordset(${p.param(`[${rows.join(',')}]`, 'json')}) AS w(${recordset}))`,
      `c_${i} AS MATERIALIZED (SELECT ${spec.keys.map(([c]) => `r.${c}`).join(', ')}, r.version FROM ${s}.${spec.table} r JOIN w_${i} w ON ${keyMatch(spec, 'r', 'w')}
        WHERE w.expected > 0 ORDER BY ${orderColumns(spec, 'r').join(', ')} FOR UPDATE OF r)`,
      `su_${i} AS MATERIALIZED (SELECT w.n FROM w_${i} w LEFT JOIN c_${i} c ON ${spec.keys.map(([c]) => `c.${c} = w.${c}`).join(' AND ')}
        WHERE w.expected > 0 AND coalesce(c.version, 0) <> w.expected)`,
    )
  })
  const none = 'SELECT NULL::int AS n WHERE false'
  ctes.push(`stale_updates AS MATERIALIZED (${writes.length === 0 ? none : writes.map((_, i) => `SELECT n FROM su_${i}`).join(' UNION ALL ')})`)
  // The records read and not written (CommitOptions.reads), numbered after the writes and
  // deletions: each must still be at the version read. Their rows are locked FOR SHARE, so no
  // writer can change one between this check and the commit; after every FOR UPDATE lock (the
  // condition reads every c_i), and NOWAIT: a row another commit is writing fails the statement
  // at once (55P03, a conflict) rather than waiting, so these locks never take part in a wait
  // cycle. A read of an absent record checks that no row is there.
  const locked = writes.length === 0 ? 'true' : writes.map((_, i) => `(SELECT count(*) FROM c_${i}) >= 0`).join(' AND ')
  reads.forEach(({ spec, rows }, i) => {
    const recordset = ['n int', 'expected bigint', ...spec.keys.map(([c, t]) => `${c} ${t}`)].join(', ')
    ctes.push(
      `k_${i} AS MATERIALIZED (SELECT k.*${digestKeyed(spec) ? `, ${s}.key_digest(k.key) AS d` : ''} FROM json_to_recordset(${p.param(`[${rows.join(',')}]`, 'json')}) AS k(${recordset}))`,
      `kc_${i} AS MATERIALIZED (SELECT ${spec.keys.map(([c]) => `r.${c}`).join(', ')}, r.version FROM ${s}.${spec.table} r JOIN k_${i} k ON ${keyMatch(spec, 'r', 'k')}
        WHERE k.expected > 0 AND ${locked} ORDER BY ${orderColumns(spec, 'r').join(', ')} FOR SHARE OF r NOWAIT)`,
      `sr_${i} AS MATERIALIZED (SELECT k.n FROM k_${i} k LEFT JOIN kc_${i} c ON ${spec.keys.map(([c]) => `c.${c} = k.${c}`).join(' AND ')}
        WHERE k.expected > 0 AND coalesce(c.version, 0) <> k.expected
        UNION ALL SELECT k.n FROM k_${i} k WHERE k.expected = 0 AND EXISTS (SELECT 1 FROM ${s}.${spec.table} r WHERE ${keyMatch(spec, 'r', 'k')}))`,
    )
  })
  ctes.push(`stale_reads AS MATERIALIZED (${reads.length === 0 ? none : reads.map((_, i) => `SELECT n FROM sr_${i}`).join(' UNION ALL ')})`)
  ctes.push(
    `stale AS MATERIALIZED (SELECT n FROM stale_updates UNION ALL SELECT n FROM stale_reads${writes
      .map(
        ({ spec }, i) =>
          `\n      UNION ALL SELECT w.n FROM w_${i} w WHERE w.expected = 0 AND (EXISTS (SELECT 1 FROM stale_updates) OR EXISTS (SELECT 1 FROM stale_reads))
        AND EXISTS (SELECT 1 FROM ${s}.${spec.table} r WHERE ${keyMatch(spec, 'r', 'w')})`,
      )
      .join('')})`,
  )
  writes.forEach(({ spec }, i) => {
    const columns = [...spec.keys, ...spec.values].map(([c]) => c)
    ctes.push(
      `i_${i} AS (INSERT INTO ${s}.${spec.table} (version, ${columns.join(', ')})
        SELECT 1, ${columns.map((c) => `w.${c}`).join(', ')} FROM w_${i} w WHERE w.expected = 0 AND ${gate}
        ORDER BY ${spec.keys.map(([c]) => `w.${c}`).join(', ')} RETURNING 1)`,
      `u_${i} AS (UPDATE ${s}.${spec.table} r SET version = r.version + 1, ${spec.values.map(([c]) => `${c} = w.${c}`).join(', ')}
        FROM w_${i} w WHERE ${keyMatch(spec, 'r', 'w')} AND w.expected > 0 AND NOT w.drop AND r.version = w.expected AND ${gate} RETURNING 1)`,
      `d_${i} AS (DELETE FROM ${s}.${spec.table} r USING w_${i} w
        WHERE ${keyMatch(spec, 'r', 'w')} AND w.drop AND r.version = w.expected AND ${gate} RETURNING 1)`,
    )
  })
  const counted = writes.flatMap((_, i) => [`(SELECT count(*) FROM i_${i})`, `(SELECT count(*) FROM u_${i})`, `(SELECT count(*) FROM d_${i})`])
  ctes.push(`applied AS MATERIALIZED (SELECT ${counted.length === 0 ? '0::bigint' : counted.join(' + ')} AS n)`)
  const changes = p.param(extras.changesJson, 'json')
  const forget = p.param(extras.forget, 'text[]')
  const counts = p.param(extras.countsJson, 'jsonb')
  const total = p.param(extras.total, 'bigint')
  ctes.push(
    // json, not jsonb: each change is stored as the text JSON.stringify wrote (migration 008).
    `drafts AS MATERIALIZED (SELECT d.value AS draft, d.n FROM json_array_elements(${changes}) WITH ORDINALITY AS d(value, n))`,
    // The feed's numbers come last: the counter row is locked only once every record row is
    // written (the condition reads applied, so the writes run first), and held until commit.
    // No sequence: see migration 002 for why commit order needs this row.
    `counter AS (UPDATE ${s}.change_counter SET last = last + (SELECT count(*) FROM drafts)
      WHERE EXISTS (SELECT 1 FROM drafts) AND ${gate} AND (SELECT n FROM applied) >= 0 RETURNING last)`,
    `appended AS (INSERT INTO ${s}.changes (seq, at, users, change)
      SELECT c.last - (SELECT count(*) FROM drafts) + d.n, (d.draft ->> 'at')::bigint,
        ARRAY(SELECT json_array_elements_text(d.draft -> 'users')), d.draft -> 'change'
      FROM drafts d CROSS JOIN counter c RETURNING 1)`,
    // The daily counters, after the counter row (commits that count lock in one order: rows,
    // counter, counters by key). A conflicting commit counts nothing.
    `counted AS (INSERT INTO ${s}.daily_counts AS dc (app_id, day, event, reason, count)
      SELECT c.app_id, c.day, c.event, c.reason, sum(c.count) FROM jsonb_to_recordset(${counts}) AS c(app_id text, day integer, event text, reason text, count bigint)
      WHERE ${gate} AND (SELECT n FROM applied) >= 0 AND (SELECT count(*) FROM counter) >= 0
      GROUP BY c.app_id, c.day, c.event, c.reason ORDER BY c.app_id, c.day, c.event, c.reason
      ON CONFLICT (app_id, day, event, reason) DO UPDATE SET count = dc.count + excluded.count RETURNING 1)`,
    // D14: an app keeps dailyCountDays days of counters before the newest it was given (never a
    // row this statement increments: one statement cannot both update and delete a row).
    `aged AS (DELETE FROM ${s}.daily_counts d
      USING (SELECT c.app_id, min(c.day) AS oldest, max(c.day) AS newest FROM jsonb_to_recordset(${counts}) AS c(app_id text, day integer) GROUP BY c.app_id) n
      WHERE d.app_id = n.app_id AND d.day < n.newest - ${extras.dailyCountDays} AND d.day < n.oldest AND ${gate} RETURNING 1)`,
    // Sees the feed as the statement began, so this commit's own changes are not forgotten. The
    // two arms are the two partial indexes of migration 008 (changes naming one user, the others).
    `forgotten AS (DELETE FROM ${s}.changes f WHERE cardinality(${forget}) > 0 AND ${gate}
      AND ((cardinality(f.users) = 1 AND f.users[1] = ANY(${forget})) OR (cardinality(f.users) > 1 AND f.users && ${forget})) RETURNING 1)`,
  )
  const sql = `WITH ${ctes.join(',\n    ')}
    SELECT coalesce((SELECT array_agg(n::int ORDER BY n) FROM stale), '{}'::int[]) AS stale,
      CASE WHEN EXISTS (SELECT 1 FROM stale) THEN 0
        ELSE ${s}.assert_typed((SELECT n FROM applied) + (SELECT count(*) FROM appended), ${total} + (SELECT count(*) FROM drafts)) END AS applied`
  return { sql, params: p.values }
}

/**
 * A page of one table in primary-key order (keyset): every row of the kind, or one app's,
 * after the cursor (the last row's key, `cursor` in the answer), `limit` rows at most.
 * `from` key columns are left out of the cursor comparison (and of the parameters): 1 for a
 * page of one app after a cursor of that app. Beside `app_id = $1`, PostgreSQL does not
 * position the index scan by a row comparison that starts with `app_id`, so each page would
 * read every row of the app before its cursor again.
 */
export const scanStatement = (s: string, spec: TableSpec, byApp: boolean, after: readonly string[] | undefined, from = 0) => {
  const p = params()
  const where: string[] = []
  if (byApp) where.push(`r.app_id = ${p.param(null, 'text')}`)
  const order = orderColumns(spec, 'r')
  if (after !== undefined) {
    const values = spec.keys
      .slice(from)
      .map(([c, type]) => (digestKeyed(spec) && c === 'key' ? `decode(${p.param(null, 'text')}, 'hex')` : p.param(null, type)))
    where.push(`(${order.slice(from).join(', ')}) > (${values.join(', ')})`)
  }
  const cursor = `json_build_array(${spec.keys.map(([c]) => (digestKeyed(spec) && c === 'key' ? `encode(r.key_digest, 'hex')` : `r.${c}::text`)).join(', ')})`
  return `SELECT ${cursor} AS cursor, ${rowJson(spec, 'r')} AS row FROM ${s}.${spec.table} r
    ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ORDER BY ${order.join(', ')} LIMIT ${p.param(null, 'int')}`
}

/** Inserts rows given as one JSON array (`$1`), each with its `version`: the backfill of migration 008. */
export const insertRowsStatement = (s: string, spec: TableSpec): string => {
  const columns = [...spec.keys, ...spec.values]
  return `INSERT INTO ${s}.${spec.table} (version, ${columns.map(([c]) => c).join(', ')})
    SELECT version, ${columns.map(([c]) => c).join(', ')} FROM json_to_recordset($1::json) AS w(version bigint, ${columns.map(([c, t]) => `${c} ${t}`).join(', ')})`
}
