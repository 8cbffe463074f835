import pg from 'pg'
import { pgDriver } from 'push-registry/postgres'
import { describe, expect, it } from 'vitest'
import { serverMissing, serverRequired, serverUrl } from './test-databases.js'

// JIT compiled each of the adapter's statements for tens of milliseconds before a run of a
// fraction of one (70–75 ms per single-input ingest with it, 3.4 ms without, same server).
describe.runIf(serverUrl !== undefined)('pgDriver on a server', () => {
  const jitOf = async (driver: ReturnType<typeof pgDriver>) => (await driver.query<{ jit: string }>('SHOW jit')).rows[0]?.jit

  it('turns JIT off on every connection it uses, for single statements and transactions', async () => {
    const pool = new pg.Pool({ connectionString: serverUrl, max: 3 })
    try {
      const driver = pgDriver(pool)
      // More calls at once than connections: every connection of the pool gets used.
      const seen = await Promise.all(Array.from({ length: 9 }, () => jitOf(driver)))
      expect(new Set(seen)).toEqual(new Set(['off']))
      expect(await driver.transaction(async (tx) => (await tx.query<{ jit: string }>('SHOW jit')).rows[0]?.jit)).toBe('off')
      // A failing statement does not leave a connection behind in an unknown state.
      await expect(driver.query('SELECT no_such_column FROM pg_class')).rejects.toThrow()
      expect(await jitOf(driver)).toBe('off')
    } finally {
      await pool.end()
    }
  })

  // Under plan_cache_mode = auto a prepared commit kept being planned at every call (its small
  // custom plans look cheaper than the generic one), and prepare: true saved nothing.
  it('with { prepare: true } has every connection it uses reuse generic plans, unless { genericPlans: false }', async () => {
    const pool = new pg.Pool({ connectionString: serverUrl, max: 2 })
    const modeOf = async (driver: ReturnType<typeof pgDriver>) => (await driver.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]?.plan_cache_mode
    try {
      const prepared = pgDriver(pool, { prepare: true })
      expect(new Set(await Promise.all(Array.from({ length: 6 }, () => modeOf(prepared))))).toEqual(new Set(['force_generic_plan']))
      expect(await jitOf(prepared)).toBe('off')
    } finally {
      await pool.end()
    }
    for (const options of [{}, { prepare: true, genericPlans: false }]) {
      const fresh = new pg.Pool({ connectionString: serverUrl, max: 1 })
      try {
        const server = (await fresh.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode')).rows[0]?.plan_cache_mode
        expect(await modeOf(pgDriver(fresh, options)), JSON.stringify(options)).toBe(server)
      } finally {
        await fresh.end()
      }
    }
  })

  it('leaves the server setting alone with { jit: true }', async () => {
    const pool = new pg.Pool({ connectionString: serverUrl, max: 1 })
    try {
      const server = (await pool.query<{ jit: string }>('SHOW jit')).rows[0]?.jit
      expect(await jitOf(pgDriver(pool, { jit: true }))).toBe(server)
    } finally {
      await pool.end()
    }
  })
})

describe.runIf(serverUrl === undefined)('pgDriver on a server', () => {
  if (serverRequired) it('runs in CI', () => expect.fail(serverMissing()))
  else it.skip(serverMissing(), () => undefined)
})
