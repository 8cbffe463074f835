import { inspect } from 'node:util'
import { createRegistry, fixedClock, StorageError } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { driverWithoutRowValues, PostgresError } from './postgres-error.js'
import { createPostgresStorage } from './postgres-storage.js'
import type { TestDatabase } from './test-databases.js'
import { freshSchema, serverUrl, sharedDriver } from './test-databases.js'

// S2: tokens are secrets; the clients put statement values on their errors (node-postgres in
// `detail` and `where`, PGlite also in `query` and `params`), and hosts log errors with their
// causes. Every error below is a real one, raised by the database.

const token = '31251ba766a79298dfb6d245cd4f253123531b52c3c978e808d5d6f39a9f4a63'
const userId = 'kim.personal-account-7731'

/** Everything a logger could print of an error, its causes included. */
const printed = (error: unknown): string => `${inspect(error, { depth: Infinity, showHidden: true })} ${JSON.stringify(error)}`

const caught = async (run: () => Promise<unknown>): Promise<unknown> => {
  try {
    await run()
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

const databases: TestDatabase[] = serverUrl === undefined ? ['pglite'] : ['pglite', 'server']

describe.each(databases)('database errors without row values (S2), on %s', (where) => {
  const inSchema = async <A>(run: (s: string) => Promise<A>): Promise<A> => {
    const driver = await sharedDriver(where)
    const s = `"${freshSchema()}"`
    await driver.query(`CREATE SCHEMA ${s}`)
    try {
      return await run(s)
    } finally {
      await driver.query(`DROP SCHEMA ${s} CASCADE`)
    }
  }

  it('S2: the raw client error does carry the token (what the wrapper exists for)', async () => {
    const error = await caught(async () => (await sharedDriver(where)).query('SELECT $1::bigint', [token]))
    expect(printed(error)).toContain(token)
  })

  it('S2: a value the database could not take is shown redacted, with its SQLSTATE', async () => {
    const driver = driverWithoutRowValues(await sharedDriver(where))
    const error = await caught(() => driver.query('SELECT $1::bigint', [token]))
    expect(error).toBeInstanceOf(PostgresError)
    expect(error).toMatchObject({ code: '22P02', message: 'invalid input syntax for type bigint: "31251b…4a63"' })
    expect(printed(error)).not.toContain(token)
  })

  it('S2: a constraint violation keeps its constraint and table, not the key it names', async () => {
    await inSchema(async (s) => {
      const driver = driverWithoutRowValues(await sharedDriver(where))
      await driver.query(`CREATE TABLE ${s}.tokens (key text CONSTRAINT tokens_key PRIMARY KEY)`)
      await driver.query(`INSERT INTO ${s}.tokens VALUES ($1)`, [token])
      const error = await caught(() => driver.transaction((tx) => tx.query(`INSERT INTO ${s}.tokens VALUES ($1)`, [token])))
      expect(error).toMatchObject({ name: 'PostgresError', code: '23505', constraint: 'tokens_key', table: 'tokens' })
      expect(printed(error)).not.toContain(token)
    })
  })

  it('S2: a commit the database rejects reaches the host as a StorageError naming no token and no user', async () => {
    await inSchema(async (s) => {
      const schema = s.slice(1, -1)
      const driver = await sharedDriver(where)
      const storage = await createPostgresStorage({ driver, schema })
      // Every table of the schema now refuses new rows: the commit fails inside the database,
      // on whichever table it writes first, with the failing row (the record) in `detail`.
      const { rows } = await driver.query<{ name: string }>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = $1 AND tablename <> 'schema_migrations'`,
        [schema],
      )
      for (const { name } of rows) await driver.query(`ALTER TABLE ${s}.${name} ADD CONSTRAINT refuse_all CHECK (false) NOT VALID`)
      const registry = createRegistry({
        apps: [{ appId: 'ios', name: 'App (iOS)', platform: 'ios' }],
        storage,
        clock: fixedClock(Date.parse('2026-01-02T00:00:00.000Z')),
      })
      const input = {
        type: 'session_started', at: '2026-01-01T08:00:00.000Z', appId: 'ios', deviceId: 'phone-1', userId, token,
        permission: 'granted', osVersion: '17.5', apnsEnvironment: 'production',
      }
      const error = await caught(() => registry.ingest([input]))
      expect(error).toBeInstanceOf(StorageError)
      expect((error as StorageError).cause).toMatchObject({ name: 'PostgresError', code: '23514', constraint: 'refuse_all' })
      expect(printed(error)).not.toContain(token)
      expect(printed(error)).not.toContain(userId)
    })
  })
})
