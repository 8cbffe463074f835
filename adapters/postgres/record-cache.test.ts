import type { Registry } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import type { SqlDriver } from 'push-registry/postgres'
import { createPostgresStorage } from 'push-registry/postgres'
import { describe, expect, it } from 'vitest'
import type { TestDatabase } from './test-databases.js'
import { freshSchema, serverUrl, sharedDriver } from './test-databases.js'

const apps = [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }] as const
const token = 'a1'.repeat(32)
const sessionAt = (hour: number, deviceId = 'phone-1') => ({
  type: 'session_started',
  at: new Date(Date.UTC(2026, 0, 1, hour)).toISOString(),
  appId: 'ios',
  deviceId,
  userId: deviceId === 'phone-1' ? 'kim' : 'zoe',
  token: deviceId === 'phone-1' ? token : 'b2'.repeat(32),
  permission: 'granted',
})

/** A driver that counts the round trips it makes: statements, plus BEGIN and COMMIT of each transaction. */
const counting = (driver: SqlDriver) => {
  let trips = 0
  const wrapped: SqlDriver = {
    query: (sql, params) => {
      trips++
      return driver.query(sql, params)
    },
    transaction: (run) => {
      trips += 2
      return driver.transaction((tx) =>
        run({
          query: (sql, params) => {
            trips++
            return tx.query(sql, params)
          },
        }),
      )
    },
    close: driver.close,
  }
  const take = (): number => {
    const taken = trips
    trips = 0
    return taken
  }
  return { driver: wrapped, take }
}

const databases: TestDatabase[] = serverUrl === undefined ? ['pglite'] : ['pglite', 'server']

/** Two registries (two instances) on one schema, each through its own storage handle and counting driver. */
const withTwoInstances = async (where: TestDatabase, body: (a: Registry, b: Registry, tripsOfA: () => number) => Promise<void>): Promise<void> => {
  const schema = freshSchema()
  const shared = await sharedDriver(where)
  const counted = counting(shared)
  const a = createRegistry({ apps, storage: await createPostgresStorage({ driver: counted.driver, schema }), clock: fixedClock(Date.UTC(2026, 0, 2)) })
  const b = createRegistry({ apps, storage: await createPostgresStorage({ driver: shared, schema, migrate: false }), clock: fixedClock(Date.UTC(2026, 0, 2)) })
  try {
    // The first commit also prunes the feed (retention, at most hourly): not an input's trip.
    expect((await a.ingest(sessionAt(1, 'phone-0'))).accepted).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    counted.take()
    await body(a, b, counted.take)
  } finally {
    await shared.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  }
}

describe.each(databases)('the record cache on %s (issue 13: one round trip per input)', (where) => {
  it('R1: a registry with a warm cache ingests a repeat session in exactly one round trip (the commit)', async () => {
    await withTwoInstances(where, async (a, _b, trips) => {
      expect((await a.ingest(sessionAt(1))).accepted).toBe(1)
      // Cold: one read (registration, token, user, links root), one commit.
      expect(trips()).toBe(2)
      for (const hour of [2, 3, 4]) {
        expect((await a.ingest(sessionAt(hour))).accepted).toBe(1)
        expect(trips(), `session at hour ${hour}`).toBe(1)
      }
    })
  })

  it('I9: another instance changes what this one cached (a login, then an erasure): the commit checks catch both', async () => {
    await withTwoInstances(where, async (a, b, trips) => {
      await a.ingest(sessionAt(1))
      // B logs lou in on the device A cached: A's next session writes the registration it
      // cached, conflicts, and applies from fresh reads.
      await b.ingest({ type: 'user_changed', at: new Date(Date.UTC(2026, 0, 1, 2)).toISOString(), appId: 'ios', deviceId: 'phone-1', userId: 'lou' })
      trips()
      expect((await a.ingest(sessionAt(3))).accepted).toBe(1)
      expect(trips()).toBeGreaterThan(1)
      expect((await a.profile('kim'))?.devices.map((d) => d.deviceId)).toEqual(['phone-1'])
      expect((await a.profile('lou'))?.changelog.length).toBeGreaterThan(0)
      // B erases kim; A's duplicate of its last input changes nothing by its cache, but the
      // check of what it read (the registration, rewritten by the erasure) sends it to the store.
      await a.ingest(sessionAt(3))
      expect((await b.erase('kim')).erased).toBe(true)
      expect(await a.profile('kim')).toBeNull()
      await a.ingest(sessionAt(3))
      expect((await a.profile('kim'))?.devices.map((d) => d.deviceId)).toEqual(['phone-1'])
    })
  })
})
