import type { AppId, DeviceId, Instant, RegistrationRecord, StoragePort, TokenKey, UserId } from 'push-registry'
import { recordId } from 'push-registry'
import type { SqlDriver } from 'push-registry/postgres'
import { createPostgresStorage, migrate, pgDriver, pgliteDriver } from 'push-registry/postgres'
import { migrations } from './migrations.js'
import { describeStorageConformance } from 'push-registry/testing'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { TestDatabase } from './test-databases.js'
import {
  disposeStore,
  freshSchema,
  openStore,
  reopenStore,
  schemaBefore,
  serverUrl,
  sharedDriver,
  sharedPglite,
} from './test-databases.js'

// PGlite runs every statement in this process, several times slower than a server for the
// kit's many small stores: 100 runs per property (50 model runs) keeps this file near two
// minutes. FC_RUNS raises it. The server's run (postgres-server.test.ts) uses the defaults.
describeStorageConformance({
  name: 'postgres on PGlite (in memory)',
  create: () => openStore('pglite'),
  teardown: disposeStore,
  reopen: reopenStore,
  fc: { numRuns: 100, modelRuns: 50 },
})

/** A registration of `appId`/`deviceId`, holding `key` as its active token when given. */
const registration = (appId: string, deviceId: string, key?: string, status: 'active' | 'ended' = 'active'): RegistrationRecord => ({
  kind: 'registration',
  appId: appId as AppId,
  deviceId: deviceId as DeviceId,
  facts: [],
  view: {
    owner: null,
    owners: [],
    seenUsers: [],
    token:
      key === undefined
        ? { status: 'none' }
        : status === 'active'
          ? { status, token: key, key: key as TokenKey, capability: 'foreground', reportedAt: 1 as Instant }
          : { status, token: key, key: key as TokenKey, reason: 'moved', endedAt: 2 as Instant, reportedAt: 1 as Instant },
    optIns: [],
    known: true,
  },
})

/** Inserts, in plain SQL, a registration row of app `ios` holding `token` active (migration 008's table). */
const insertActive = (driver: SqlDriver, s: string, deviceId: string, token: string) =>
  driver.query(
    `INSERT INTO ${s}.registrations (version, known, app_id, device_id, status, token, capability, reported_at, data)
      VALUES (1, true, 'ios', $1, 'active', $2, 'foreground', 1, '{"facts": [], "view": {"seenUsers": [], "optIns": []}}')`,
    [deviceId, token],
  )

/** A random token key of `length` characters: random, so that PostgreSQL cannot compress it. */
const randomKey = (length: number): string => randomBytes(length).toString('base64url').slice(0, length)

/** A driver that lists every statement it runs and counts the transactions it opens. */
const counting = (driver: SqlDriver) => {
  const log = { statements: [] as string[], transactions: 0 }
  const wrapped: SqlDriver = {
    query: (sql, params) => {
      log.statements.push(sql)
      return driver.query(sql, params)
    },
    transaction: (run) => {
      log.transactions += 1
      return driver.transaction((tx) =>
        run({
          query: (sql, params) => {
            log.statements.push(sql)
            return tx.query(sql, params)
          },
        }),
      )
    },
    close: driver.close,
  }
  const reset = (): void => {
    log.statements.length = 0
    log.transactions = 0
  }
  return { log, driver: wrapped, reset }
}

/** Runs `body` on a fresh store over a counting driver, and drops its schema afterwards. */
const withCounted = async (
  where: TestDatabase,
  body: (store: StoragePort, counted: ReturnType<typeof counting>, schema: string) => Promise<void>,
): Promise<void> => {
  const schema = freshSchema()
  const shared = await sharedDriver(where)
  const counted = counting(shared)
  const store = await createPostgresStorage({ driver: counted.driver, schema })
  try {
    counted.reset()
    await body(store, counted, schema)
  } finally {
    await store.close()
    await shared.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  }
}

/** Every shipped migration, in order: a new migration needs no edit here. */
const versions = migrations.map((m) => m.version)

const databases: TestDatabase[] = serverUrl === undefined ? ['pglite'] : ['pglite', 'server']

describe.each(databases)('createPostgresStorage on %s', (where) => {
  describe('migrations', () => {
    it('migrate applies every migration once; a second run applies nothing', async () => {
      const schema = freshSchema()
      const driver = await sharedDriver(where)
      try {
        expect(await migrate(driver, { schema })).toEqual({ applied: versions })
        expect(await migrate(driver, { schema })).toEqual({ applied: [] })
        const { rows } = await driver.query<{ version: string }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)
        expect(rows).toEqual(versions.map((version) => ({ version })))
      } finally {
        await driver.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      }
    })

    it('concurrent migrations of one schema from two drivers apply each version exactly once', async () => {
      const schema = freshSchema()
      // On the server, two pools: two sessions really race for the advisory lock.
      const pools = where === 'server' ? [new pg.Pool({ connectionString: serverUrl }), new pg.Pool({ connectionString: serverUrl })] : []
      const drivers = where === 'server' ? pools.map((p) => pgDriver(p)) : [pgliteDriver(await sharedPglite()), pgliteDriver(await sharedPglite())]
      try {
        const results = await Promise.all([...drivers, ...drivers].map((driver) => migrate(driver, { schema })))
        expect(results.flatMap((r) => r.applied).sort()).toEqual(versions)
        const store = await createPostgresStorage({ driver: drivers[0] as SqlDriver, schema, migrate: false })
        expect(await store.commit([{ record: registration('ios', 'phone-1'), expectedVersion: 0 }])).toEqual({ ok: true })
      } finally {
        await (drivers[0] as SqlDriver).query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        await Promise.all(pools.map((p) => p.end()))
      }
    })

    it('S3: 003 upgrades a schema of 002, whose indexes refused long token keys: records stay, I2 holds, long keys fit', async () => {
      const schema = freshSchema()
      const driver = await sharedDriver(where)
      const s = `"${schema}"`
      try {
        // The schema as `migrate` made it before 003 existed.
        await schemaBefore(driver, schema, '003')
        const insert = (record: RegistrationRecord) =>
          driver.query(`INSERT INTO ${s}.records (kind, scope, id, version, record) VALUES ('registration', $1, $2, 1, $3::jsonb)`, [
            record.appId,
            record.deviceId,
            JSON.stringify(record),
          ])
        const holder = registration('ios', 'phone-1', 'K')
        await insert(holder)
        const long = registration('ios', 'phone-2', randomKey(4096))
        await expect(insert(long)).rejects.toMatchObject({ code: '54000', message: expect.stringMatching(/^index row size \d+ exceeds/) })
        expect(await migrate(driver, { schema })).toEqual({ applied: versions.filter((v) => v >= '003') })
        const store = await createPostgresStorage({ driver, schema, migrate: false })
        expect(await store.read([holder, long])).toEqual([{ record: holder, version: 1 }, undefined])
        expect(await store.commit([{ record: long, expectedVersion: 0 }])).toEqual({ ok: true })
        expect(await store.commit([{ record: registration('ios', 'phone-1'), expectedVersion: 1 }])).toEqual({ ok: true })
        const intruder = insertActive(driver, s, 'phone-3', long.view.token.status === 'active' ? long.view.token.key : '')
        await expect(intruder).rejects.toMatchObject({ code: '23P01' })
      } finally {
        await driver.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)
      }
    })

    it('refuses a schema name that is not a plain lowercase identifier', async () => {
      const driver = await sharedDriver(where)
      for (const schema of ['Public', 'a"; DROP TABLE x; --', '1abc', '', 'a'.repeat(64)]) {
        await expect(createPostgresStorage({ driver, schema })).rejects.toThrow(/invalid PostgreSQL schema name/)
      }
    })
  })

  // S3 allows tokens of 4,096 characters: random ones do not compress, and an index entry of
  // one would exceed what a btree page holds (2,704 bytes). The table indexes digests of them.
  describe.each([
    ['a short token', 'K'],
    ['a 4,096-character random token', randomKey(4096)],
  ])('I2 in the database, with %s', (_, K) => {
    it('I2: the table itself refuses a second active registration of one token in one app', async () => {
      await withCounted(where, async (store, { driver }, schema) => {
        expect(await store.commit([{ record: registration('ios', 'phone-1', K), expectedVersion: 0 }])).toEqual({ ok: true })
        // A row a DBA might write by hand, beside the adapter: the table's constraint refuses it.
        await expect(insertActive(driver, `"${schema}"`, 'phone-2', K)).rejects.toMatchObject({ code: '23P01' })
      })
    })

    it('I2: a commit making a token active that another registration holds conflicts, naming that registration, and writes nothing', async () => {
      await withCounted(where, async (store) => {
        const holder = registration('ios', 'phone-1', K)
        await store.commit([{ record: holder, expectedVersion: 0 }])
        const intruder = registration('ios', 'phone-2', K)
        const outcome = await store.commit([
          { record: intruder, expectedVersion: 0 },
          { record: registration('ios', 'phone-3'), expectedVersion: 0 },
        ])
        expect(outcome).toEqual({ ok: false, conflicts: [recordId(holder)] })
        expect(await store.read([intruder, registration('ios', 'phone-3')])).toEqual([undefined, undefined])
      })
    })

    it('R4, I2: the same token active in two apps is two tokens', async () => {
      await withCounted(where, async (store) => {
        const outcome = await store.commit([
          { record: registration('ios', 'phone-1', K), expectedVersion: 0 },
          { record: registration('android', 'phone-1', K), expectedVersion: 0 },
        ])
        expect(outcome).toEqual({ ok: true })
      })
    })

    it('I2: one commit may move a token between registrations, whichever row it writes first', async () => {
      await withCounted(where, async (store) => {
        const a = registration('ios', 'phone-a', K)
        const b = registration('ios', 'phone-b')
        await store.commit([a, b].map((record) => ({ record, expectedVersion: 0 })))
        // phone-b (sorted after phone-a) takes the token, then phone-a takes it back.
        expect(
          await store.commit([
            { record: registration('ios', 'phone-b', K), expectedVersion: 1 },
            { record: registration('ios', 'phone-a', K, 'ended'), expectedVersion: 1 },
          ]),
        ).toEqual({ ok: true })
        expect(
          await store.commit([
            { record: registration('ios', 'phone-a', K), expectedVersion: 2 },
            { record: registration('ios', 'phone-b', K, 'ended'), expectedVersion: 2 },
          ]),
        ).toEqual({ ok: true })
      })
    })

    it('I2: a commit that itself makes one token active twice is a bug of the caller and throws', async () => {
      await withCounted(where, async (store) => {
        const commit = store.commit([
          { record: registration('ios', 'phone-1', K), expectedVersion: 0 },
          { record: registration('ios', 'phone-2', K), expectedVersion: 0 },
        ])
        await expect(commit).rejects.toThrow(/I2/)
      })
    })

    // A registry deciding from records it read at different times (its record cache) can
    // produce such a commit; the versions that moved say it is a race, which a retry cures.
    it('I2: the same commit, when one of its records moved on since it was read, is a conflict naming it', async () => {
      await withCounted(where, async (store) => {
        expect(await store.commit([{ record: registration('ios', 'phone-2'), expectedVersion: 0 }])).toEqual({ ok: true })
        expect(await store.commit([{ record: registration('ios', 'phone-2'), expectedVersion: 1 }])).toEqual({ ok: true })
        const outcome = await store.commit([
          { record: registration('ios', 'phone-1', K), expectedVersion: 0 },
          { record: registration('ios', 'phone-2', K), expectedVersion: 1 },
        ])
        expect(outcome).toEqual({ ok: false, conflicts: [recordId({ kind: 'registration', appId: 'ios' as AppId, deviceId: 'phone-2' as DeviceId })] })
      })
    })

    it('I2: of two concurrent commits making one token active on two devices, exactly one applies', async () => {
      await withCounted(where, async (store) => {
        const outcomes = await Promise.all([
          store.commit([{ record: registration('ios', 'phone-1', K), expectedVersion: 0 }]),
          store.commit([{ record: registration('ios', 'phone-2', K), expectedVersion: 0 }]),
        ])
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1)
        const { records } = await store.scan({ kind: 'registration', limit: 10 })
        expect(records).toHaveLength(1)
      })
    })
  })

  describe('concurrent commits', () => {
    it('I9: of many commits racing on overlapping records, the ones that apply are disjoint and nothing else changes', async () => {
      await withCounted(where, async (store) => {
        const existing = Array.from({ length: 60 }, (_, i) => registration('ios', `old-${i}`))
        await store.commit(existing.map((record) => ({ record, expectedVersion: 0 })))
        // 24 commits, each over a spread of 30 existing records (read at version 1) and 5 new
        // ones, overlapping each other: in any interleaving, no record may be written twice.
        const commits = Array.from({ length: 24 }, (_, c) => [
          ...existing.filter((_, i) => (i * 7 + c) % 24 < 12).slice(0, 30).map((record) => ({ record: { ...record, view: { ...record.view, owner: `c${c}` as UserId } }, expectedVersion: 1 })),
          ...Array.from({ length: 5 }, (_, i) => ({ record: registration('ios', `new-${(c + i) % 30}`), expectedVersion: 0 })),
        ])
        const outcomes = await Promise.all(commits.map((writes) => store.commit(writes)))
        const applied = commits.filter((_, c) => outcomes[c]?.ok === true)
        expect(applied.length).toBeGreaterThan(0)
        const ids = applied.flatMap((writes) => writes.map((w) => recordId(w.record)))
        expect(new Set(ids).size, 'no record written by two applied commits').toBe(ids.length)
        const everything = [...existing, ...Array.from({ length: 30 }, (_, i) => registration('ios', `new-${i}`))]
        const stored = await store.read(everything)
        const winner = new Map(applied.flatMap((writes) => writes.map((w) => [recordId(w.record), w] as const)))
        everything.forEach((record, i) => {
          const won = winner.get(recordId(record))
          const expected = won === undefined ? (record.deviceId.startsWith('old') ? { record, version: 1 } : undefined) : { record: won.record, version: won.expectedVersion + 1 }
          expect(stored[i], recordId(record)).toEqual(expected)
        })
        for (const [c, outcome] of outcomes.entries()) {
          if (!outcome.ok) expect('conflicts' in outcome ? outcome.conflicts.length : 0, `commit ${c} names what it lost to`).toBeGreaterThan(0)
        }
      })
    })
  })

  describe('set-based statements (batch ingest)', () => {
    const many = (count: number, app = 'ios'): RegistrationRecord[] =>
      Array.from({ length: count }, (_, i) => registration(app, `device-${String(i).padStart(6, '0')}`, `token-${i}`))

    it('commits 3,000 writes in one statement, hence one transaction, and updates them in one more', async () => {
      await withCounted(where, async (store, counted) => {
        const records = many(3000)
        expect(await store.commit(records.map((record) => ({ record, expectedVersion: 0 })))).toEqual({ ok: true })
        expect(counted.log).toEqual({ statements: [expect.stringContaining('INSERT INTO')], transactions: 0 })
        counted.reset()
        expect(await store.commit(records.map((record) => ({ record, expectedVersion: 1 })))).toEqual({ ok: true })
        expect(counted.log.statements).toHaveLength(1)
        const versions = (await store.read(records)).map((r) => r?.version)
        expect(new Set(versions)).toEqual(new Set([2]))
      })
    })

    it('reads 5,000 keys, present and missing, in one statement, answering in key order', async () => {
      await withCounted(where, async (store, counted) => {
        const stored = many(2500)
        await store.commit(stored.map((record) => ({ record, expectedVersion: 0 })))
        const missing = many(2500, 'android')
        const keys = stored.flatMap((record, i) => [missing[i] as RegistrationRecord, record]).reverse()
        counted.reset()
        const found = await store.read(keys)
        expect(counted.log.statements).toHaveLength(1)
        expect(found.map((f) => (f === undefined ? undefined : recordId(f.record)))).toEqual(
          keys.map((k) => (k.appId === 'ios' ? recordId(k) : undefined)),
        )
      })
    })

    it('pages through 10,000 records by keyset, each exactly once, one statement per page', async () => {
      await withCounted(where, async (store, counted) => {
        const records = [...many(6000, 'ios'), ...many(4000, 'android')]
        for (let i = 0; i < records.length; i += 2500) {
          await store.commit(records.slice(i, i + 2500).map((record) => ({ record, expectedVersion: 0 })))
        }
        for (const [appId, expected] of [[undefined, 10_000], ['ios', 6000], ['android', 4000]] as const) {
          counted.reset()
          const seen = new Set<string>()
          let cursor: string | undefined
          let pages = 0
          do {
            const page = await store.scan({ kind: 'registration', limit: 999, ...(appId === undefined ? {} : { appId: appId as AppId }), ...(cursor === undefined ? {} : { cursor }) })
            expect(page.records.length).toBeLessThanOrEqual(999)
            for (const stored of page.records) seen.add(recordId(stored.record))
            cursor = page.next ?? undefined
            pages += 1
          } while (cursor !== undefined)
          expect(seen.size, `records of ${appId ?? 'every app'}`).toBe(expected)
          expect(pages).toBe(Math.ceil(expected / 999))
          expect(counted.log.statements).toHaveLength(pages)
        }
      })
    })
  })

  describe('records', () => {
    it('come back deep-equal with quotes, backslashes, non-ASCII and astral characters in ids and values', async () => {
      await withCounted(where, async (store) => {
        const record = registration('ios', 'd"\\\'é/:ü 😀\n{x}', 'tok"\\{,}😀')
        await store.commit([{ record, expectedVersion: 0 }])
        expect(await store.read([record])).toEqual([{ record, version: 1 }])
        expect((await store.scan({ kind: 'registration', appId: 'ios' as AppId, limit: 5 })).records).toEqual([{ record, version: 1 }])
      })
    })

    it('refuses, saying why, a record holding U+0000, which PostgreSQL cannot store, and writes nothing', async () => {
      await withCounted(where, async (store) => {
        const nul = registration('ios', 'a\u0000b')
        const other = registration('ios', 'phone-1')
        expect(await store.commit([{ record: other, expectedVersion: 0 }, { record: nul, expectedVersion: 0 }])).toEqual({
          ok: false,
          refused: { reason: expect.stringMatching(/U\+0000/), records: [recordId(nul)] },
        })
        expect(await store.read([other])).toEqual([undefined])
        // A backslash followed by "u0000" is ordinary text.
        const record = registration('ios', 'a\\u0000b')
        expect(await store.commit([{ record, expectedVersion: 0 }])).toEqual({ ok: true })
        expect(await store.read([record])).toEqual([{ record, version: 1 }])
      })
    })

    it('refuses, not throws, a commit over one of PostgreSQL\'s limits, and writes nothing', async () => {
      await withCounted(where, async (store) => {
        // An app id is the host's configuration, not indexed by digest: 3,000 random characters
        // exceed what a btree entry holds.
        const huge = registration(randomKey(3000), 'phone-1')
        const other = registration('ios', 'phone-1')
        expect(await store.commit([{ record: other, expectedVersion: 0 }, { record: huge, expectedVersion: 0 }])).toEqual({
          ok: false,
          refused: { reason: expect.stringMatching(/^PostgreSQL refused the write \(SQLSTATE 54000: index row/) },
        })
        expect(await store.read([other])).toEqual([undefined])
      })
    })

    it('refuses a cursor it did not make', async () => {
      await withCounted(where, async (store) => {
        await expect(store.scan({ kind: 'user', limit: 1, cursor: '1; DROP' })).rejects.toThrow(/invalid scan cursor/)
      })
    })
  })

  it('declares durable and shared by default, as the options say otherwise', async () => {
    await withCounted(where, async (store, { driver }, schema) => {
      expect(store.capabilities).toEqual({ durable: true, sharedAcrossProcesses: true, indexedQueries: true, checksReads: true })
      const other = await createPostgresStorage({ driver, schema, durable: false, sharedAcrossProcesses: false })
      expect(other.capabilities).toEqual({ durable: false, sharedAcrossProcesses: false, indexedQueries: true, checksReads: true })
    })
  })
})

describe('drivers', () => {
  it('pgliteDriver leaves the database open on close unless told to close it', async () => {
    const { PGlite } = await import('@electric-sql/pglite')
    const db = await PGlite.create()
    await pgliteDriver(db).close()
    expect(db.closed).toBe(false)
    await pgliteDriver(db, { closeDbOnClose: true }).close()
    expect(db.closed).toBe(true)
  })

  it.runIf(serverUrl !== undefined)('pgDriver leaves the pool open on close unless told to end it', async () => {
    const pool = new pg.Pool({ connectionString: serverUrl })
    await pgDriver(pool).close()
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    await pgDriver(pool, { endPoolOnClose: true }).close()
    expect(pool.ended).toBe(true)
  })

  it.runIf(serverUrl !== undefined)('pgDriver rolls a transaction back when its body throws, and keeps the pool usable', async () => {
    const pool = new pg.Pool({ connectionString: serverUrl, max: 1 })
    const driver = pgDriver(pool)
    const schema = freshSchema()
    try {
      await driver.query(`CREATE SCHEMA "${schema}"`)
      await driver.query(`CREATE TABLE "${schema}".t (x int)`)
      const failing = driver.transaction(async (tx) => {
        await tx.query(`INSERT INTO "${schema}".t VALUES (1)`)
        throw new Error('body failed')
      })
      await expect(failing).rejects.toThrow('body failed')
      expect((await driver.query(`SELECT count(*)::int AS n FROM "${schema}".t`)).rows).toEqual([{ n: 0 }])
    } finally {
      await driver.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    }
  })

  it.runIf(serverUrl !== undefined)('pgDriver with prepare names each statement once per connection, and survives the schema being dropped and recreated', async () => {
    const pool = new pg.Pool({ connectionString: serverUrl, max: 1 })
    const schema = freshSchema()
    const open = () => createPostgresStorage({ driver: pgDriver(pool, { prepare: true }), schema })
    const prepared = async (): Promise<string[]> =>
      (await pool.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'push_registry_%' ORDER BY name`)).rows.map((r) => r.name)
    try {
      const store = await open()
      const phone = registration('ios', 'phone-1', 'key-1')
      expect(await store.commit([{ record: phone, expectedVersion: 0 }])).toEqual({ ok: true })
      expect(await store.read([phone])).toEqual([{ record: phone, version: 1 }])
      expect(await store.commit([{ record: phone, expectedVersion: 1 }])).toEqual({ ok: true })
      expect(await store.read([phone])).toEqual([{ record: phone, version: 2 }])
      // One connection, two distinct statements (commit, read), each prepared once.
      expect(await prepared()).toHaveLength(2)
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`)
      const again = await open()
      expect(await again.read([phone])).toEqual([undefined])
      expect(await again.commit([{ record: phone, expectedVersion: 0 }])).toEqual({ ok: true })
      expect(await again.read([phone])).toEqual([{ record: phone, version: 1 }])
      expect(await prepared()).toHaveLength(2)
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    }
  })
})
