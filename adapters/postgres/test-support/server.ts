/**
 * Access to the real PostgreSQL server of the fault tests: its URL, a fresh schema per test,
 * and the rule of issue 6: with `CI=true` the server tests must run, so a missing URL fails
 * them; elsewhere they are skipped with a message saying how to run them.
 */
import { randomBytes } from 'node:crypto'
import { Pool } from 'pg'
import { describe, it } from 'vitest'

/** The server's URL (`.ci/start-postgres` prints one), or `undefined` when none is configured. */
export const serverUrl: string | undefined = process.env.PUSH_REGISTRY_PG_URL === '' ? undefined : process.env.PUSH_REGISTRY_PG_URL

const howToRun = 'PUSH_REGISTRY_PG_URL is not set; start a server with `.ci/start-postgres` and export the URL it prints'

/**
 * `describe(name, …)` on the real server. Without a URL the block fails when `CI=true`
 * and is skipped otherwise, its name saying why.
 */
export const describeOnServer = (name: string, body: (url: string) => void): void => {
  if (serverUrl !== undefined) {
    describe(name, () => body(serverUrl))
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it('runs on a real server in CI (CI=true)', () => {
        throw new Error(`${howToRun}: with CI=true the server tests must run`)
      })
    })
  } else {
    console.warn(`skipping "${name}": ${howToRun}`)
    describe.skip(`${name} (skipped: ${howToRun})`, () => {
      it.skip('needs a PostgreSQL server', () => undefined)
    })
  }
}

/** A schema name no other test or run uses: `pr_<pid>_<random>`. */
export const freshSchema = (prefix = 'pr'): string => `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`

/** A pool on the server; the caller ends it. */
export const openPool = (url: string, max = 4): Pool => new Pool({ connectionString: url, max })

/** Drops a test's schema and everything in it. */
export const dropSchema = async (url: string, schema: string): Promise<void> => {
  const pool = openPool(url, 1)
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await pool.end()
  }
}
