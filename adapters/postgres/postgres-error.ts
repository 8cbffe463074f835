import { brandErrorClass, redact } from 'push-registry'
import type { TokenKey } from 'push-registry'
import type { SqlDriver, SqlExecutor } from './sql-driver.js'

/**
 * An error PostgreSQL raised, with what identifies it and without the row values that came
 * with it (S2). The adapter's statements carry tokens, user ids and whole records as
 * parameters, and the clients put them on their errors: node-postgres in `detail`
 * (`Key (…)=(<token>) already exists`) and `where` (`portal parameter $1 = '…'`), PGlite also
 * in `query` and `params` (every parameter of the statement). Hosts log errors and their
 * `cause` as they are, so the adapter never lets those fields out: a driver error is replaced
 * by this one, which keeps the SQLSTATE and the names of the objects involved. The values are
 * in the server's own log, where the operator's access rules apply.
 */
export class PostgresError extends Error {
  override readonly name = 'PostgresError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<PostgresError>(this, 'PostgresError')
  /** The SQLSTATE, e.g. `23505` (a unique violation) or `54000` (a program limit). */
  readonly code: string
  /** `ERROR`, `FATAL` or `PANIC`. */
  readonly severity: string | undefined
  readonly schema: string | undefined
  readonly table: string | undefined
  readonly column: string | undefined
  readonly dataType: string | undefined
  readonly constraint: string | undefined
  /** The server function that raised it (`_bt_check_unique`…): which check failed, not on what. */
  readonly routine: string | undefined

  /** `message` is taken as it is: the adapter makes these from database errors with their values removed. */
  constructor(code: string, message: string, names: PostgresErrorNames = {}) {
    super(message)
    this.code = code
    this.severity = text(names.severity)
    this.schema = text(names.schema)
    this.table = text(names.table)
    this.column = text(names.column)
    this.dataType = text(names.dataType)
    this.constraint = text(names.constraint)
    this.routine = text(names.routine)
  }
}

/** The fields of a database error that name things rather than hold values. */
export interface PostgresErrorNames {
  readonly severity?: unknown
  readonly schema?: unknown
  readonly table?: unknown
  readonly column?: unknown
  readonly dataType?: unknown
  readonly constraint?: unknown
  readonly routine?: unknown
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)

// A SQLSTATE: five digits or upper-case letters. Connection errors (ECONNREFUSED…) carry none.
const sqlState = /^[0-9A-Z]{5}$/

/**
 * Class 22 (data exception) messages quote the value they could not take
 * (`invalid input syntax for type bigint: "…"`); other classes quote object names only
 * (`duplicate key value violates unique constraint "…"`), which stay readable.
 */
const messageWithoutValues = (code: string, message: string): string =>
  code.startsWith('22') ? message.replace(/"([^"]*)"/g, (_, value: string) => `"${redact(value as TokenKey)}"`) : message

/**
 * The error the adapter lets out for one a driver threw: a {@link PostgresError} for an error
 * of the database (one with a SQLSTATE), anything else (a refused connection, a defect) as it
 * is, since the driver put no statement values on it.
 */
export const withoutRowValues = (error: unknown): unknown => {
  if (error instanceof PostgresError || typeof error !== 'object' || error === null) return error
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code !== 'string' || !sqlState.test(code)) return error
  return new PostgresError(code, messageWithoutValues(code, typeof message === 'string' ? message : ''), error as PostgresErrorNames)
}

const executorWithoutRowValues = (executor: SqlExecutor): SqlExecutor => ({
  query: async (sql, params) => {
    try {
      return await executor.query(sql, params)
    } catch (error) {
      throw withoutRowValues(error)
    }
  },
})

/**
 * The driver with every database error it throws replaced by a {@link PostgresError} (S2).
 * `createPostgresStorage` and `migrate` wrap the driver they are given with it.
 */
export const driverWithoutRowValues = (driver: SqlDriver): SqlDriver => ({
  query: executorWithoutRowValues(driver).query,
  transaction: async (run) => {
    try {
      return await driver.transaction((tx) => run(executorWithoutRowValues(tx)))
    } catch (error) {
      throw withoutRowValues(error)
    }
  },
  close: () => driver.close(),
})
