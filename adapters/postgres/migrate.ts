import type { Migration } from './migrations.js'
import { migrations } from './migrations.js'
import { driverWithoutRowValues } from './postgres-error.js'
import { defaultSchema, quotedSchema } from './schema-name.js'
import type { SqlDriver } from './sql-driver.js'

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** The schema to create and migrate. Default `push_registry`. */
  readonly schema?: string
}

/**
 * Brings a schema up to date: creates it if needed and applies the migrations it lacks, each
 * in its own transaction, recording its version in `<schema>.schema_migrations`. Idempotent:
 * a second call applies nothing. Safe to run from several processes at once (every instance
 * at start-up, say): each transaction first takes a transaction-level advisory lock named
 * after the schema, so one process migrates while the others wait, then find nothing to do.
 *
 * @returns the versions this call applied, in order.
 *
 * @example
 * ```ts
 * // at deploy time, before the new instances start
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * await migrate(pgDriver(pool), { schema: 'push_registry' })
 * ```
 */
export const migrate = async (given: SqlDriver, options: MigrateOptions = {}): Promise<{ applied: string[] }> => {
  // S2: a failed backfill's error would otherwise carry the rows it was writing.
  const driver = driverWithoutRowValues(given)
  const schema = options.schema ?? defaultSchema
  const s = quotedSchema(schema)
  const applied: string[] = []
  for (const migration of [...migrations].sort(byVersion)) {
    const ran = await driver.transaction(async (tx) => {
      // Serialises migrators of this schema until commit; the key hashes the schema's name,
      // so migrating other schemas of the same database does not wait.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`push-registry migrate ${schema}`])
      await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`)
      await tx.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
          version text PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      )
      const done = await tx.query(`SELECT 1 FROM ${s}.schema_migrations WHERE version = $1`, [migration.version])
      if (done.rows.length > 0) return false
      for (const statement of migration.statements(s)) await tx.query(statement)
      if (migration.backfill !== undefined) await migration.backfill(tx, s)
      for (const statement of migration.finish?.(s) ?? []) await tx.query(statement)
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name])
      return true
    })
    if (ran) applied.push(migration.version)
  }
  return { applied }
}

const byVersion = (a: Migration, b: Migration): number => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0)
