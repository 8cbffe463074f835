/**
 * What the PostgreSQL adapter needs from a database client: parameterised queries, and a
 * transaction for migrations. `pgDriver` (node-postgres) and `pgliteDriver` (PGlite) implement
 * it; a host may write its own for another client (postgres.js, a pool with tracing, …).
 *
 * Contract:
 * - `query` runs ONE statement with `$1…$n` parameters, outside any explicit transaction (an
 *   implicit transaction of its own), and resolves its rows. JS arrays are sent as PostgreSQL
 *   arrays, strings as text; `jsonb` columns come back parsed, `bigint` as a number or a string.
 * - `transaction` runs `run` in one transaction: committed when `run` resolves, rolled back when
 *   it throws (the error is rethrown), at READ COMMITTED or stricter.
 * - `close` releases what the driver owns; whether that includes the pool or database handle
 *   it was given is the driver's choice (both drivers here leave it open unless told).
 */
export interface SqlDriver {
  readonly query: <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<{ rows: R[] }>
  readonly transaction: <A>(run: (tx: SqlExecutor) => Promise<A>) => Promise<A>
  readonly close: () => Promise<void>
}

/** The part of a driver a transaction body sees: queries, all inside that transaction. */
export type SqlExecutor = Pick<SqlDriver, 'query'>
