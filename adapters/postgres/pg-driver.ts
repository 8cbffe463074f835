import { createHash } from 'node:crypto'
import type { PgPool, PgPoolClient } from './client-shapes.js'
import type { SqlDriver, SqlExecutor } from './sql-driver.js'

/** Options of {@link pgDriver}. */
export interface PgDriverOptions {
  /** `close()` ends the pool too. Default `false`: the host made the pool, the host ends it. */
  readonly endPoolOnClose?: boolean
  /**
   * Run single statements as named prepared statements, so that each connection parses and
   * plans the adapter's few statements once instead of at every call. Default `false`: named
   * statements outlive a transaction, which PgBouncer in transaction mode supports only from
   * version 1.21 with `max_prepared_statements` set. Saves most of the server's per-statement
   * overhead for small units (one input per `ingest`). With it the driver also runs
   * `SET plan_cache_mode = force_generic_plan` once on each connection it uses (see
   * `genericPlans`).
   */
  readonly prepare?: boolean
  /**
   * With `prepare`, have PostgreSQL reuse one generic plan per statement. Default `true`.
   * Under the server's default (`plan_cache_mode = auto`) a prepared statement is planned
   * afresh at each call for as long as its custom plans look cheaper than the generic one,
   * which they do for the adapter's small commits when a connection's first calls were small:
   * `prepare: true` then saved nothing (a warm single-input ingest 6.2 ms either way in the
   * bench), while with generic plans it took 2.0–2.8 ms against 5.0–6.2 ms unprepared
   * (same loaded server, interleaved), and batches of 10,000 were no slower. The setting lasts
   * for the connection, like `jit`; pass `false` to leave the server's setting.
   */
  readonly genericPlans?: boolean
  /**
   * Leave PostgreSQL's JIT compiler as the server configures it. Default `false`: the driver
   * runs `SET jit = off` once on each connection it uses. The adapter's statements are short
   * and planned with costs above `jit_above_cost` (their arrays and CTEs are estimated
   * generously), so with JIT on (the server default) each one is compiled for tens of
   * milliseconds before it runs for a fraction of one: one input per `ingest` measured 70–75 ms
   * with JIT and 3.4 ms without, on the same server. The setting lasts for the connection, so a
   * pool shared with the host's own queries runs those without JIT too; pass `true` to keep
   * the server's setting (and set `jit = off` for the adapter's role instead:
   * `ALTER ROLE … SET jit = off`).
   */
  readonly jit?: boolean
}

/**
 * A {@link SqlDriver} over a node-postgres `Pool` (typed by its shape, {@link PgPool}, so the
 * declarations need no `pg` types). Single statements go through `pool.query`
 * (one connection for one statement); a transaction takes a connection for its duration and
 * opens it at READ COMMITTED explicitly, so a server whose `default_transaction_isolation` is
 * stricter gives the same behaviour.
 *
 * @example
 * ```ts
 * import pg from 'pg'
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
 * const storage = await createPostgresStorage({ driver: pgDriver(pool) })
 * ```
 */
export const pgDriver = (pool: PgPool, options: PgDriverOptions = {}): SqlDriver => {
  const names = new Map<string, string>()
  // The name is derived from the text, so every connection of the pool agrees on it.
  const nameOf = (sql: string): string => {
    let name = names.get(sql)
    if (name === undefined) {
      name = `push_registry_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`
      names.set(sql, name)
    }
    return name
  }
  // What each connection is told once, in one round trip.
  const settings = [
    ...(options.jit === true ? [] : ['SET jit = off']),
    ...(options.prepare === true && options.genericPlans !== false ? ['SET plan_cache_mode = force_generic_plan'] : []),
  ].join('; ')
  // Connections already told (a pool hands out the same client object per connection).
  const configured = new WeakSet<PgPoolClient>()
  const checkout = async (): Promise<PgPoolClient> => {
    const client = await pool.connect()
    if (settings === '' || configured.has(client)) return client
    try {
      await client.query(settings)
    } catch (error) {
      client.release(error instanceof Error ? error : new Error(String(error)))
      throw error
    }
    configured.add(client)
    return client
  }
  const query = async <R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => {
    const values = params === undefined ? undefined : [...params]
    const statement = options.prepare === true ? { name: nameOf(sql), text: sql, values } : { text: sql, values }
    if (settings === '') return { rows: (await pool.query(statement)).rows as R[] }
    const client = await checkout()
    let rows: unknown[]
    try {
      rows = (await client.query(statement)).rows
    } catch (error) {
      // As `pool.query` does: a connection that failed a statement is not pooled again.
      client.release(error instanceof Error ? error : new Error(String(error)))
      throw error
    }
    client.release()
    return { rows: rows as R[] }
  }
  const transaction = async <A>(run: (tx: SqlExecutor) => Promise<A>): Promise<A> => {
    const client = await checkout()
    // A connection whose state is unknown (ROLLBACK failed) is destroyed, not pooled again.
    let broken: Error | undefined
    try {
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
      const result = await run({
        query: async <R>(sql: string, params?: readonly unknown[]) => {
          const rows = await client.query(sql, params === undefined ? undefined : [...params])
          return { rows: rows.rows as R[] }
        },
      })
      await client.query('COMMIT')
      return result
    } catch (error) {
      try {
        await client.query('ROLLBACK')
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))
      }
      throw error
    } finally {
      client.release(broken)
    }
  }
  return {
    query,
    transaction,
    close: async () => {
      if (options.endPoolOnClose === true && !pool.ended) await pool.end()
    },
  }
}
