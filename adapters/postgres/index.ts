/**
 * `push-registry/postgres`: the registry's storage on PostgreSQL, through node-postgres (`pg`)
 * on a server or PGlite embedded in the process. Both are optional peer dependencies: install
 * the one you use. See README.md next to this file.
 *
 * @module push-registry/postgres
 */

export { createPostgresStorage } from './postgres-storage.js'
export type { PostgresStorageOptions } from './postgres-storage.js'
export { migrate } from './migrate.js'
export type { MigrateOptions } from './migrate.js'
export { migrations } from './migrations.js'
export type { Migration } from './migrations.js'
export { PostgresError } from './postgres-error.js'
export type { PostgresErrorNames } from './postgres-error.js'
export { pgDriver } from './pg-driver.js'
export type { PgDriverOptions } from './pg-driver.js'
export { pgliteDriver } from './pglite-driver.js'
export type { PgliteDriverOptions } from './pglite-driver.js'
export type { SqlDriver, SqlExecutor } from './sql-driver.js'
export type { PgPool, PgPoolClient, PgliteDatabase, PgliteQueryable, RowsResult } from './client-shapes.js'
