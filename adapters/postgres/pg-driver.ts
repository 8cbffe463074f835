import { createHash } from 'node:crypto'
import type { PgPool } from './client-shapes.js'
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
   * overhead for small units (one input per `ingest`).
   */
  readonly prepare?: boolean
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
  const query = async <R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => {
    const values = params === undefined ? undefined : [...params]
    const result = options.prepare === true ? await pool.query({ name: nameOf(sql), text: sql, values }) : await pool.query(sql, values)
    return { rows: result.rows as R[] }
  }
  const transaction = async <A>(run: (tx: SqlExecutor) => Promise<A>): Promise<A> => {
    const client = await pool.connect()
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
