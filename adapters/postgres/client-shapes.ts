/**
 * The parts of node-postgres and PGlite the drivers call, described structurally. The
 * adapter's published declarations name no type of either package, so a project that installed
 * only `pg` (or only PGlite) type-checks without the other, `skipLibCheck` off included. A real
 * `pg.Pool` and a real `PGlite` satisfy these shapes; so does any client that behaves alike.
 */

/** Rows, as both clients resolve them. */
export interface RowsResult {
  readonly rows: unknown[]
}

/** A connection checked out of a {@link PgPool}: node-postgres' `PoolClient`. */
export interface PgPoolClient {
  query(text: string, values?: unknown[]): Promise<RowsResult>
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<RowsResult>
  /** Back to the pool; with an error, destroyed instead. */
  release(error?: Error | boolean): void
}

/** A node-postgres `Pool` (`new pg.Pool(...)`), as far as {@link pgDriver} uses it. */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<RowsResult>
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<RowsResult>
  connect(): Promise<PgPoolClient>
  end(): Promise<void>
  readonly ended: boolean
}

/** What a PGlite database and its transactions both answer: queries. */
export interface PgliteQueryable {
  query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>
}

/** A PGlite database (`new PGlite(...)`, `await PGlite.create(...)`), as far as {@link pgliteDriver} uses it. */
export interface PgliteDatabase extends PgliteQueryable {
  transaction<A>(run: (tx: PgliteQueryable) => Promise<A>): Promise<A>
  close(): Promise<void>
  readonly closed: boolean
}
