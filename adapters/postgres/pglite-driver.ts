import type { PgliteDatabase, PgliteQueryable } from './client-shapes.js'
import type { SqlDriver, SqlExecutor } from './sql-driver.js'

/** Options of {@link pgliteDriver}. */
export interface PgliteDriverOptions {
  /** `close()` closes the database too. Default `false`: whoever opened it closes it. */
  readonly closeDbOnClose?: boolean
}

/**
 * A {@link SqlDriver} over an embedded PGlite database (typed by its shape,
 * {@link PgliteDatabase}, so the declarations need no PGlite types): the same SQL as on a server, in the
 * process, in memory or in a directory (`new PGlite('./data')`). PGlite runs one statement at
 * a time, so its transactions and single statements queue behind each other.
 *
 * @example
 * ```ts
 * import { PGlite } from '@electric-sql/pglite'
 * const db = new PGlite('./registry-data')
 * const storage = await createPostgresStorage({ driver: pgliteDriver(db) })
 * ```
 */
export const pgliteDriver = (db: PgliteDatabase, options: PgliteDriverOptions = {}): SqlDriver => {
  const executor = (target: PgliteQueryable): SqlExecutor => ({
    query: async <R>(sql: string, params?: readonly unknown[]) => {
      const result = await target.query<R>(sql, params === undefined ? undefined : [...params])
      return { rows: result.rows }
    },
  })
  return {
    query: executor(db).query,
    transaction: <A>(run: (tx: SqlExecutor) => Promise<A>): Promise<A> => db.transaction((tx) => run(executor(tx))),
    close: async () => {
      if (options.closeDbOnClose === true && !db.closed) await db.close()
    },
  }
}
