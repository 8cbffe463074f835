import fc from 'fast-check'
import type {
  AppId,
  Capability,
  Instant,
  Registry,
  RegistrationQuery,
  RegistryRecord,
  Segment,
  StoragePort,
  SubscriptionState,
  UserId,
  UserQuery,
} from 'push-registry'
import { canonicalKey, collect, recordId, scanIndexQueries } from 'push-registry'
import { createPostgresStorage, migrate } from 'push-registry/postgres'
import type { SqlDriver } from 'push-registry/postgres'
import { createReferenceStorage } from 'push-registry/testing'
import { describe, expect, it } from 'vitest'
import { validInputs } from '../../src/testing/arbitraries.js'
import { recordKinds } from '../../src/testing/sample-records.js'
import { kitApps, kitNow, kitRegistry, kitTimes, kitUsers } from '../../src/testing/universe.js'
import { migrations } from './migrations.js'
import { rowKeyOf } from './record-keys.js'
import type { TestDatabase } from './test-databases.js'
import { freshSchema, schemaBefore, serverUrl, sharedDriver } from './test-databases.js'

// The index-tables migration (007) and the typed tables that replaced its tables (008, issue 13):
// a database written by the release before 007 answers every query the same once migrated, and
// the targets query runs on the partial index.

/** The version of the index-tables migration (found by name, so a renumbering needs no edit here). */
const indexVersion = (migrations.find((m) => m.name === 'index tables') as { version: string }).version

const databases: TestDatabase[] = serverUrl === undefined ? ['pglite'] : ['pglite', 'server']

/** Stores `records` as the previous release's commit did: rows of `records`, nothing else. */
const insertRecords = async (driver: SqlDriver, schema: string, records: readonly { readonly record: RegistryRecord; readonly version: number }[]): Promise<void> => {
  for (const { record, version } of records) {
    const key = rowKeyOf(record)
    await driver.query(`INSERT INTO "${schema}".records (kind, scope, id, version, record) VALUES ($1, $2, $3, $4, $5::jsonb)`, [
      key.kind,
      key.scope,
      key.id,
      version,
      JSON.stringify(record),
    ])
  }
}

const appIds = kitApps.map((app) => app.appId)
const instants = [...kitTimes.map((t) => Date.parse(t)), kitNow] as Instant[]
const every: SubscriptionState[] = ['subscribed', 'opted_in', 'unsubscribed']

/** Every registration query of a battery: each app and all, each kind of `active`, each owner-state set. */
const registrationQueries: RegistrationQuery[] = [undefined, ...appIds].flatMap((appId) =>
  [
    undefined,
    { reportedSince: null },
    { reportedSince: instants[2] as Instant, capabilities: ['foreground', 'provisional'] as Capability[] },
    { reportedSince: null, reportedBefore: instants[3] as Instant },
    { reportedSince: instants[1] as Instant, capabilities: ['background'] as Capability[] },
  ].flatMap((active) =>
    [undefined, ['subscribed', 'opted_in'], ['unsubscribed'], ['opted_in']].map((ownerStates) => ({
      limit: 2,
      ...(appId === undefined ? {} : { appId }),
      ...(active === undefined ? {} : { active }),
      ...(ownerStates === undefined ? {} : { ownerStates: ownerStates as SubscriptionState[] }),
    })),
  ),
)

/** Every user query of a battery: by ids, and walks with each state set, apps and owning. */
const userQueries: UserQuery[] = [
  { userIds: [...kitUsers, 'nobody', 'kim'] as UserId[], limit: 2 },
  { userIds: [...kitUsers] as UserId[], apps: ['ios' as AppId], owning: true, limit: 2 },
  ...[undefined, ['opted_in'], ['subscribed', 'unsubscribed']].flatMap((states) =>
    [undefined, ['ios'], ['android', 'web'], []].flatMap((apps) =>
      [false, true].map((owning) => ({
        limit: 2,
        owning,
        ...(states === undefined ? {} : { states: states as SubscriptionState[] }),
        ...(apps === undefined ? {} : { apps: apps as AppId[] }),
      })),
    ),
  ),
]

/** Follows every page of a query; the answer in a canonical order (stores choose their own). */
const allPages = async <Q extends { readonly after?: string }, A>(run: (q: Q) => Promise<{ entries: readonly A[]; next: string | null }>, query: Q): Promise<A[]> => {
  const out: A[] = []
  let after: string | undefined
  do {
    const page = await run({ ...query, ...(after === undefined ? {} : { after }) })
    out.push(...page.entries)
    after = page.next ?? undefined
  } while (after !== undefined)
  return out
}
// Key order is not data: jsonb and the index tables give keys back in orders of their own.
const canonical = <A>(items: readonly A[]): string[] => items.map(canonicalKey).sort()

/** Every answer of the port's index queries, through `queries`. */
const portAnswers = async (queries: Pick<StoragePort, 'queryRegistrations' | 'queryUsers'>) => {
  const out: Record<string, string[]> = {}
  for (const query of registrationQueries) out[`registrations ${JSON.stringify(query)}`] = canonical(await allPages(queries.queryRegistrations!, query))
  for (const query of userQueries) {
    out[`users ${JSON.stringify(query)}`] =
      query.userIds === undefined ? canonical(await allPages(queries.queryUsers!, query)) : (await queries.queryUsers!(query)).entries.map(canonicalKey)
  }
  return out
}

const segments: Segment[] = [
  ...appIds.map((appId) => ({ kind: 'foregroundPushEnabledForApp' as const, appId })),
  { kind: 'foregroundPushEnabled' },
  { kind: 'backgroundOrForegroundPushEnabled' },
  ...every.map((state) => ({ kind: 'pushSubscription' as const, state })),
  { kind: 'uninstalled', from: instants[0] as Instant, to: kitNow as Instant },
]

/** Every answer of the registry's streamed queries (targets, idle targets, registrations, segments, exports). */
const registryAnswers = async (registry: Registry) => {
  const out: Record<string, string[]> = {}
  for (const appId of appIds) {
    for (const kind of ['alert', 'background'] as const) out[`targets ${appId} ${kind}`] = canonical(await collect(registry.targets({ appId, kind })))
    out[`idle ${appId}`] = canonical(await collect(registry.idleTargets({ appId, seenBefore: instants[3] as number })))
    out[`registrations ${appId}`] = canonical(await collect(registry.registrations(appId)))
  }
  out['registrations'] = canonical(await collect(registry.registrations()))
  for (const spec of segments) {
    out[`segment ${JSON.stringify(spec)}`] = canonical(await collect(registry.segment(spec)))
    out[`export ${JSON.stringify(spec)}`] = canonical(await collect(registry.exportSegment(spec)))
  }
  out['exportUsers'] = canonical(await registry.exportUsers([...kitUsers, 'nobody']))
  return out
}

/** Every record of a store with its version, sorted by id. */
const storedRecords = async (store: StoragePort) => {
  const out: { id: string; record: RegistryRecord; version: number }[] = []
  for (const kind of recordKinds) {
    let cursor: string | undefined
    do {
      const page = await store.scan({ kind, limit: 7, ...(cursor === undefined ? {} : { cursor }) })
      out.push(...page.records.map((r) => ({ id: recordId(r.record), ...r })))
      cursor = page.next ?? undefined
    } while (cursor !== undefined)
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

/** The store as the previous release answered: the index queries by scanning its records. */
const asPreviousRelease = (store: StoragePort): StoragePort => ({ ...store, capabilities: { ...store.capabilities, indexedQueries: false }, ...scanIndexQueries(store) })

describe.each(databases)(`migration ${indexVersion} (index tables) on %s`, (where) => {
  it('R27, R21–R26: a database written before the index tables answers every index query, and every registry query, the same once migrated', async () => {
    const driver = await sharedDriver(where)
    await fc.assert(
      fc.asyncProperty(validInputs, async (inputs) => {
        // The records the registry writes for these inputs (the reference storage holds them as given).
        const reference = createReferenceStorage()
        await kitRegistry(reference).ingest(inputs)
        const records = await storedRecords(reference)
        const schema = freshSchema()
        try {
          await schemaBefore(driver, schema, indexVersion)
          await insertRecords(driver, schema, records)
          // What the previous release answered: the same records, the queries by scanning them
          // (its adapter scanned `records`; the reference storage holds exactly those records).
          const before = { port: await portAnswers(asPreviousRelease(reference)), registry: await registryAnswers(kitRegistry(asPreviousRelease(reference))) }
          expect(await migrate(driver, { schema })).toEqual({ applied: migrations.filter((m) => m.version >= indexVersion).map((m) => m.version) })
          const migrated = await createPostgresStorage({ driver, schema, migrate: false })
          expect(migrated.capabilities.indexedQueries).toBe(true)
          // No record lost or changed by the moves into the typed tables (008), versions included.
          expect(await storedRecords(migrated)).toEqual(await storedRecords(reference))
          expect(await portAnswers(migrated)).toEqual(before.port)
          expect(await registryAnswers(kitRegistry(migrated))).toEqual(before.registry)
          // And the migrated store keeps its index in step with new writes.
          await kitRegistry(migrated).ingest(inputs.slice(0, 3))
          expect(await portAnswers(migrated)).toEqual(await portAnswers(asPreviousRelease(migrated)))
        } finally {
          await driver.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        }
      }),
      { numRuns: where === 'pglite' ? 12 : 20 },
    )
  })

  it('the migrations make earlier releases fail loudly on commit (their guard functions are gone) rather than write rows the current schema does not keep', async () => {
    const driver = await sharedDriver(where)
    const schema = freshSchema()
    try {
      await migrate(driver, { schema })
      await expect(driver.query(`SELECT "${schema}".assert_applied(1, 1)`)).rejects.toMatchObject({ code: '42883' })
      await expect(driver.query(`SELECT "${schema}".assert_indexed(1, 1)`)).rejects.toMatchObject({ code: '42883' })
      expect((await driver.query<{ n: number }>(`SELECT "${schema}".assert_typed(1, 1)::int AS n`)).rows).toEqual([{ n: 1 }])
    } finally {
      await driver.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    }
  })
})

/** A driver that keeps the last statement it ran, with its parameters. */
const recording = (driver: SqlDriver) => {
  const last: { sql: string; params: readonly unknown[] } = { sql: '', params: [] }
  const wrapped: SqlDriver = {
    query: (sql, params) => {
      last.sql = sql
      last.params = params ?? []
      return driver.query(sql, params)
    },
    transaction: driver.transaction,
    close: driver.close,
  }
  return { wrapped, last }
}

/** The plan's node types and index names, flattened. */
const planNodes = (plan: Record<string, unknown>): string[] => [
  `${String(plan['Node Type'])}${plan['Index Name'] === undefined ? '' : ` using ${String(plan['Index Name'])}`}${plan['Relation Name'] === undefined ? '' : ` on ${String(plan['Relation Name'])}`}`,
  ...((plan['Plans'] as Record<string, unknown>[] | undefined) ?? []).flatMap(planNodes),
]

describe.each(databases)('index tables on %s: the plans', (where) => {
  it('R27: the targets statement reads the partial index registrations_active, never a sequential scan, and a later page (of it, or of a scan of one app) starts at its cursor', async () => {
    const shared = await sharedDriver(where)
    const schema = freshSchema()
    const { wrapped, last } = recording(shared)
    const store = await createPostgresStorage({ driver: wrapped, schema })
    try {
      // 20,000 registrations in two apps, most active, a tenth ended, a few owned by unsubscribed users.
      const writes = Array.from({ length: 20_000 }, (_, i) => {
        const appId = (i % 2 === 0 ? 'ios' : 'android') as AppId
        const owner = i % 3 === 0 ? null : (`user-${i % 5000}` as UserId)
        const token = `token-${i}`
        return {
          record: {
            kind: 'registration' as const,
            appId,
            deviceId: `device-${i}` as never,
            facts: [],
            view: {
              owner,
              owners: owner === null ? [] : [owner],
              seenUsers: owner === null ? [] : [owner],
              token:
                i % 10 === 0
                  ? { status: 'ended' as const, token, key: token as never, reason: 'uninstalled' as const, endedAt: 5 as Instant, reportedAt: 4 as Instant }
                  : { status: 'active' as const, token, key: token as never, capability: (i % 7 === 0 ? 'background' : 'foreground') as Capability, reportedAt: (1_000 + i) as Instant },
              optIns: [],
              known: true,
            },
          },
          expectedVersion: 0,
        }
      })
      for (let i = 0; i < writes.length; i += 2000) expect(await store.commit(writes.slice(i, i + 2000))).toEqual({ ok: true })
      const users = Array.from({ length: 5000 }, (_, i) => ({
        record: { kind: 'user' as const, userId: `user-${i}` as UserId, subscription: { value: i % 20 === 0 ? ('unsubscribed' as const) : ('subscribed' as const), at: 1 as Instant }, email: null, phone: null },
        expectedVersion: 0,
      }))
      for (let i = 0; i < users.length; i += 2500) expect(await store.commit(users.slice(i, i + 2500))).toEqual({ ok: true })
      await shared.query(`ANALYZE "${schema}".registrations`)
      await shared.query(`ANALYZE "${schema}".users`)
      const targets: RegistrationQuery = {
        appId: 'ios' as AppId,
        active: { reportedSince: 1_500 as Instant, capabilities: ['foreground', 'provisional'] },
        ownerStates: ['subscribed', 'opted_in'],
        limit: 4096,
      }
      const idle: RegistrationQuery = { appId: 'ios' as AppId, active: { reportedSince: null, reportedBefore: 1_200 as Instant }, limit: 4096 }
      for (const query of [targets, idle]) {
        const first = await store.queryRegistrations!(query)
        expect(first.entries.length).toBeGreaterThan(0)
        for (const page of [query, { ...query, after: first.next ?? undefined }]) {
          if (page.after === undefined) continue
          await store.queryRegistrations!(page)
          const { sql, params } = last
          const { rows } = await shared.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${sql}`, params)
          const raw = rows[0]?.['QUERY PLAN']
          const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Record<string, unknown> }[]
          const nodes = planNodes((plan[0] as { Plan: Record<string, unknown> }).Plan)
          expect(nodes.some((n) => /Index (Only )?Scan using registrations_active/.test(n)), nodes.join('\n')).toBe(true)
          expect(nodes.filter((n) => n.startsWith('Seq Scan')), nodes.join('\n')).toEqual([])
        }
      }
      // A page deep into the stream starts at its cursor: it reads about as many buffers as the
      // first page, not every index entry before the cursor again (which made a stream's cost
      // grow with the square of its length).
      const buffersOf = async (query: RegistrationQuery): Promise<number> => buffersOfLast(() => store.queryRegistrations!(query))
      const buffersOfLast = async (run: () => Promise<unknown>): Promise<number> => {
        await run()
        const { sql, params } = last
        const { rows } = await shared.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params)
        const raw = rows[0]?.['QUERY PLAN']
        const plan = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Record<string, unknown> }[])[0]?.Plan as Record<string, unknown>
        return Number(plan['Shared Hit Blocks']) + Number(plan['Shared Read Blocks'])
      }
      for (const query of [targets, { ...idle, active: { reportedSince: null, reportedBefore: 20_000 as Instant } }, { appId: 'ios' as AppId, limit: 4096 }]) {
        const deep = await store.queryRegistrations!({ ...query, limit: 3000 })
        expect(deep.next).not.toBeNull()
        const first = await buffersOf({ ...query, limit: 8 })
        const later = await buffersOf({ ...query, limit: 8, after: deep.next as string })
        expect(later, JSON.stringify(query)).toBeLessThanOrEqual(first + 3)
      }
      // The same for a scan of one app's records.
      const deepScan = await store.scan({ kind: 'registration', appId: 'ios' as AppId, limit: 3000 })
      expect(deepScan.next).not.toBeNull()
      const firstScan = await buffersOfLast(() => store.scan({ kind: 'registration', appId: 'ios' as AppId, limit: 8 }))
      const laterScan = await buffersOfLast(() => store.scan({ kind: 'registration', appId: 'ios' as AppId, limit: 8, cursor: deepScan.next as string }))
      expect(laterScan, 'scan of one app').toBeLessThanOrEqual(firstScan + 3)
    } finally {
      await store.close()
      await shared.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    }
  })
})
