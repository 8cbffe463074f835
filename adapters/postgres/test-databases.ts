import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { StoragePort } from 'push-registry'
import { createPostgresStorage } from './postgres-storage.js'
import { pgDriver } from './pg-driver.js'
import { pgliteDriver } from './pglite-driver.js'
import { migrations } from './migrations.js'
import type { SqlDriver, SqlExecutor } from './sql-driver.js'

/**
 * Test support, not shipped: fresh stores on one embedded PGlite and on the real server of
 * `PUSH_REGISTRY_PG_URL`, each in a schema of its own that {@link disposeStore} drops.
 */

/** The server the tests run against, if any. */
export const serverUrl: string | undefined = process.env['PUSH_REGISTRY_PG_URL'] || undefined

/** In CI the server tests must run: a missing URL is a failure there, not a skip. */
export const serverRequired: boolean = process.env['CI'] === 'true'

/** Why the server tests do not run, when they do not. */
export const serverMissing = (): string =>
  serverRequired
    ? 'CI=true but PUSH_REGISTRY_PG_URL is not set: the PostgreSQL server tests must run in CI (export PUSH_REGISTRY_PG_URL="$(.ci/start-postgres)")'
    : 'PUSH_REGISTRY_PG_URL is not set: skipping the PostgreSQL server tests (export PUSH_REGISTRY_PG_URL="$(.ci/start-postgres)" to run them)'

let pglite: Promise<PGlite> | undefined
let pool: pg.Pool | undefined

/** One in-memory PGlite per test process: starting one takes seconds, a schema milliseconds. */
export const sharedPglite = (): Promise<PGlite> => (pglite ??= PGlite.create())

/** One pool per test process on the server; it lets the process exit when idle. */
export const sharedPool = (): pg.Pool => {
  if (serverUrl === undefined) throw new Error(serverMissing())
  pool ??= new pg.Pool({ connectionString: serverUrl, max: 8, allowExitOnIdle: true })
  return pool
}

/** Where a test store lives; `server-prepared` is the server through `pgDriver(pool, { prepare: true })`. */
export type TestDatabase = 'pglite' | 'server' | 'server-prepared'

/** A driver on the shared database; closing it leaves the database open for the next store. */
export const sharedDriver = async (where: TestDatabase): Promise<SqlDriver> =>
  where === 'pglite' ? pgliteDriver(await sharedPglite()) : pgDriver(sharedPool())

/**
 * The driver of one store. `server-prepared` gets a pool of its own, ended when the store
 * closes: named statements live as long as their connection, and one shared pool would
 * accumulate the statements of every schema the kit creates (a deployment has one schema).
 */
const storeDriver = async (where: TestDatabase): Promise<SqlDriver> => {
  if (where !== 'server-prepared') return sharedDriver(where)
  if (serverUrl === undefined) throw new Error(serverMissing())
  return pgDriver(new pg.Pool({ connectionString: serverUrl, max: 2, allowExitOnIdle: true }), { prepare: true, endPoolOnClose: true })
}

/** A schema name no other test uses. */
export const freshSchema = (): string => `pr_${Math.random().toString(36).slice(2, 12)}`

const schemas = new WeakMap<StoragePort, { readonly where: TestDatabase; readonly schema: string }>()

/** What a store on each database claims: PGlite in memory is neither durable nor shared. */
const claims = (where: TestDatabase) =>
  where === 'pglite' ? { durable: false, sharedAcrossProcesses: false } : { durable: true, sharedAcrossProcesses: true }

/** A fresh, empty, migrated store in a new schema. */
export const openStore = async (where: TestDatabase): Promise<StoragePort> => {
  const schema = freshSchema()
  const store = await createPostgresStorage({ driver: await storeDriver(where), schema, ...claims(where) })
  schemas.set(store, { where, schema })
  return store
}

/** A second handle on the schema of `store`, as another process would open it. */
export const reopenStore = async (store: StoragePort): Promise<StoragePort> => {
  const found = schemas.get(store)
  if (found === undefined) throw new Error('not a store of openStore')
  const again = await createPostgresStorage({ driver: await storeDriver(found.where), schema: found.schema, ...claims(found.where) })
  schemas.set(again, found)
  return again
}

/** Closes the store and drops its schema. */
export const disposeStore = async (store: StoragePort): Promise<void> => {
  await store.close()
  const found = schemas.get(store)
  if (found === undefined) return
  schemas.delete(store)
  const driver = await sharedDriver(found.where === 'pglite' ? 'pglite' : 'server')
  await driver.query(`DROP SCHEMA IF EXISTS "${found.schema}" CASCADE`)
}

/**
 * A schema as `migrate` left it when only the migrations before `version` existed: an older
 * release's database, for upgrade tests. `fill` runs in the same transaction.
 */
export const schemaBefore = async (driver: SqlDriver, schema: string, version: string, fill?: (tx: SqlExecutor) => Promise<void>): Promise<void> => {
  const s = `"${schema}"`
  await driver.transaction(async (tx) => {
    await tx.query(`CREATE SCHEMA ${s}`)
    await tx.query(`CREATE TABLE ${s}.schema_migrations (version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    for (const migration of migrations.filter((m) => m.version < version)) {
      for (const statement of migration.statements(s)) await tx.query(statement)
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [migration.version, migration.name])
    }
    await fill?.(tx)
  })
}
