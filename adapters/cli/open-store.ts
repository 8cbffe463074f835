import { resolve } from 'node:path'
import type { StoragePort } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import type { SqlDriver } from 'push-registry/postgres'
import { CliError, failure, usageError } from './cli-error.js'
import type { CliIo } from './cli-io.js'
import { maskConnectionString, scrubConnectionSecrets } from './mask-connection-string.js'

/** Where the registry's records live, as the options and environment chose it. */
export type StoreChoice =
  | { readonly kind: 'memory' }
  | { readonly kind: 'server'; readonly url: string; readonly schema: string }
  | { readonly kind: 'pglite'; readonly dir: string; readonly schema: string }

/** The storage options every registry command takes. */
export interface StoreOptions {
  readonly db?: string | undefined
  readonly data?: string | undefined
  readonly schema?: string | undefined
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/

/** `--db`, `--data` (or their env fallbacks) and `--schema`, checked; memory when neither is given. */
export const chooseStore = (io: CliIo, options: StoreOptions): StoreChoice => {
  const url = options.db ?? (options.data === undefined ? nonEmpty(io.env['PUSH_REGISTRY_DB']) : undefined)
  const dir = options.data ?? (options.db === undefined ? nonEmpty(io.env['PUSH_REGISTRY_DATA']) : undefined)
  if (url !== undefined && dir !== undefined) throw usageError('give --db or --data, not both (check PUSH_REGISTRY_DB and PUSH_REGISTRY_DATA too)')
  const schema = options.schema ?? nonEmpty(io.env['PUSH_REGISTRY_SCHEMA']) ?? 'push_registry'
  if (!schemaPattern.test(schema)) throw usageError(`--schema must be a lowercase identifier (a-z, 0-9, _; at most 63 characters), got ${JSON.stringify(schema)}`)
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw usageError(`--db must be a postgres:// or postgresql:// URL (got ${maskConnectionString(url)})`)
    return { kind: 'server', url, schema }
  }
  if (dir !== undefined) return { kind: 'pglite', dir: resolve(io.cwd, dir), schema }
  return { kind: 'memory' }
}

const nonEmpty = (value: string | undefined): string | undefined => (value === undefined || value === '' ? undefined : value)

/** A store choice in words, for stderr. */
export const describeStore = (choice: StoreChoice): string =>
  choice.kind === 'memory'
    ? 'memory (not persisted)'
    : choice.kind === 'server'
      ? `PostgreSQL ${maskConnectionString(choice.url)} schema ${choice.schema}`
      : `PGlite ${choice.dir} schema ${choice.schema}`

/**
 * Loads an optional peer dependency, or explains which package to install. Loaded only when
 * its option is given, so the memory default needs neither `pg` nor PGlite.
 */
const optionalPackage = async <M>(name: string, load: () => Promise<M>, option: string): Promise<M> => {
  try {
    return await load()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw usageError(`${option} needs the package ${name}: npm install ${name}`)
    }
    throw error
  }
}

const postgresAdapter = () => import('push-registry/postgres')

/** Tells the person at the terminal what a slow step is doing (stderr), or nothing when quiet. */
export type Note = (line: string) => void

/** A SQL driver on the chosen database; its `close` releases the pool or the PGlite handle. */
export const openDriver = async (choice: Exclude<StoreChoice, { kind: 'memory' }>, note?: Note): Promise<SqlDriver> => {
  const adapter = await postgresAdapter()
  if (choice.kind === 'server') {
    const pg = await optionalPackage('pg', () => import('pg'), '--db')
    const pool = new pg.default.Pool({ connectionString: choice.url, max: 4 })
    // An idle client that loses its server emits 'error'; without a listener that kills the process.
    pool.on('error', () => undefined)
    return adapter.pgDriver(pool, { endPoolOnClose: true })
  }
  const { PGlite } = await optionalPackage('@electric-sql/pglite', () => import('@electric-sql/pglite'), '--data')
  let db: Awaited<ReturnType<typeof PGlite.create>>
  // Opening a new directory takes seconds (PGlite initialises a database in it): say so.
  note?.(`opening PGlite database ${choice.dir} …`)
  try {
    db = await PGlite.create(choice.dir)
  } catch (error) {
    throw failure(`cannot open the PGlite directory ${choice.dir}: ${error instanceof Error ? error.message : String(error)} (is another process using it?)`)
  }
  return adapter.pgliteDriver(db, { closeDbOnClose: true })
}

/** The migration versions the schema lacks; all of them when the schema does not exist. */
export const pendingMigrations = async (driver: SqlDriver, schema: string): Promise<string[]> => {
  const { migrations } = await postgresAdapter()
  const wanted = migrations.map((m) => m.version)
  try {
    const { rows } = await driver.query<{ version: string }>(`SELECT version FROM "${schema}".schema_migrations`)
    const have = new Set(rows.map((r) => r.version))
    return wanted.filter((v) => !have.has(v))
  } catch (error) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: never migrated.
    const code = (error as { code?: unknown }).code
    if (code === '42P01' || code === '3F000') return wanted
    throw error
  }
}

/** Why a database could not be reached, in one line. */
export const unreachable = (choice: StoreChoice, error: unknown): Error => {
  const message = error instanceof Error ? error.message : String(error)
  return failure(`cannot use ${describeStore(choice)}: ${choice.kind === 'server' ? scrubConnectionSecrets(message, choice.url) : message}`)
}

/**
 * Opens the storage a command works on. PGlite is migrated on open (the directory is the
 * command line's own); a server is not — deploys migrate with `push-registry migrate`, and a
 * schema that lacks migrations is an error naming that command (exit code 1).
 */
export const openStore = async (choice: StoreChoice, note?: Note): Promise<StoragePort> => {
  if (choice.kind === 'memory') return createMemoryStorage()
  const driver = await openDriver(choice, note)
  const adapter = await postgresAdapter()
  try {
    if (choice.kind === 'server') {
      const pending = await pendingMigrations(driver, choice.schema)
      if (pending.length > 0) {
        throw failure(
          `the schema ${choice.schema} at ${maskConnectionString(choice.url)} lacks migrations ${pending.join(', ')}: run \`push-registry migrate --db URL${choice.schema === 'push_registry' ? '' : ` --schema ${choice.schema}`}\` first`,
        )
      }
      return await adapter.createPostgresStorage({ driver, schema: choice.schema, migrate: false })
    }
    const pending = await pendingMigrations(driver, choice.schema)
    if (pending.length > 0) note?.(`migrating schema ${choice.schema}: ${pending.length} migration(s) …`)
    return await adapter.createPostgresStorage({ driver, schema: choice.schema, sharedAcrossProcesses: false })
  } catch (error) {
    await driver.close().catch(() => undefined)
    if (error instanceof CliError) throw error
    throw unreachable(choice, error)
  }
}
