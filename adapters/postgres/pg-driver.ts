import type { Pool } from 'pg'
import type { SqlDriver, SqlExecutor } from './sql-driver.js'

/** Options of {@link pgDriver}. */
export interface PgDriverOptions {
  /** `close()` ends the pool too. Default `false`: the host made the pool, the host ends it. */
  readonly endPoolOnClose?: boolean
}

/**
 * A {@link SqlDriver} over a node-postgres `Pool`. Single statements go through `pool.query`
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
export const pgDriver = (pool: Pool, options: PgDriverOptions = {}): SqlDriver => {
  const query = async <R>(sql: string, params?: readonly unknown[]): Promise<{ rows: R[] }> => {
    const result = await pool.query(sql, params === undefined ? undefined : [...params])
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
      if (options.endPoolOnClose === true) await pool.end()
    },
  }
}
