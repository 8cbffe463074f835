import fc from 'fast-check'
import type {
  AppId,
  DailyCount,
  DailyCountDraft,
  DailyCountQuery,
  DispatchId,
  DispatchRecord,
  HealthQueries,
  Instant,
  RegistrationCount,
  RegistrationCountQuery,
  RegistryRecord,
  StoragePort,
  SummarisedDispatch,
  UserId,
} from 'push-registry'
import { indexEntryOf, scanHealthQueries } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { validInputs } from './arbitraries.js'
import { readFeed } from './change-feed-contract.js'
import { feed } from './feed.js'
import type { ConformanceOptions, RunSettings } from './options.js'
import { withStore } from './options.js'
import { allRecords, sampleTests } from './sample-records.js'
import { kitApps, kitDispatches, kitNow, kitRegistry, kitTimes } from './universe.js'

/** The store's token-health queries, or the registry's scan fallback for those it lacks (what the registry would use). */
const queriesOf = (store: StoragePort): HealthQueries => {
  const fallback = scanHealthQueries(store)
  return {
    countRegistrations: store.countRegistrations?.bind(store) ?? fallback.countRegistrations,
    readDailyCounts: store.readDailyCounts?.bind(store) ?? fallback.readDailyCounts,
    recentDispatches: store.recentDispatches?.bind(store) ?? fallback.recentDispatches,
  }
}

const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const byGroup = (a: RegistrationCount, b: RegistrationCount): number =>
  text(a.status, b.status) || text(a.capability ?? '', b.capability ?? '') || a.band - b.band
const byCounter = (a: DailyCount, b: DailyCount): number => a.day - b.day || text(a.event, b.event) || text(a.reason, b.reason)

/**
 * The kit's own reading of `countRegistrations`, as a fold over every record: each known
 * registration's entry counted once in its group. Written apart from the registry's code.
 */
export const foldRegistrationCounts = (records: readonly RegistryRecord[], query: RegistrationCountQuery): RegistrationCount[] => {
  const counts = new Map<string, RegistrationCount>()
  for (const record of records) {
    const entry = indexEntryOf(record)
    if (entry?.kind !== 'registration' || entry.appId !== query.appId) continue
    const token = entry.token
    const capability = token.status === 'active' ? token.capability : null
    const band = token.status === 'none' ? 0 : query.bounds.filter((b) => b <= token.reportedAt).length
    const id = `${token.status} ${capability} ${band}`
    counts.set(id, { status: token.status, capability, band, count: (counts.get(id)?.count ?? 0) + 1 })
  }
  return [...counts.values()].sort(byGroup)
}

/** The kit's reading of `readDailyCounts`: the applied drafts of the app and days, summed. */
export const foldDailyCounts = (applied: readonly DailyCountDraft[], query: DailyCountQuery): DailyCount[] => {
  const sums = new Map<string, DailyCount>()
  for (const d of applied) {
    if (d.appId !== query.appId || d.day < query.fromDay || d.day > query.toDay) continue
    const id = `${d.day} ${d.event} ${d.reason}`
    sums.set(id, { ...d, count: (sums.get(id)?.count ?? 0) + d.count })
  }
  return [...sums.values()].filter((c) => c.count !== 0).sort(byCounter)
}

/** The kit's reading of `recentDispatches`: the app's summarised dispatches, latest first. */
export const foldRecentDispatches = (records: readonly RegistryRecord[], appId: AppId, limit: number): SummarisedDispatch[] =>
  records
    .filter((r): r is SummarisedDispatch => r.kind === 'dispatch' && r.appId === appId && r.sends !== undefined)
    .sort((a, b) => b.sends.lastAt - a.sends.lastAt || text(b.dispatchId, a.dispatchId))
    .slice(0, limit)

/** The daily counters the kit's fold gives for the changes of a feed (invalidations by reason, quarantines). */
const draftsOfFeed = (changes: readonly { readonly at: number; readonly change: unknown }[]): DailyCountDraft[] =>
  changes.flatMap(({ at, change }): DailyCountDraft[] => {
    const { name, payload } = change as { name: string; payload: { appId: AppId; reason?: string } }
    const day = Math.floor(at / 86_400_000)
    if (name === 'token.invalidated') return [{ appId: payload.appId, day, event: 'invalidated' as const, reason: payload.reason as string, count: 1 }]
    if (name === 'token.quarantined') return [{ appId: payload.appId, day, event: 'quarantined' as const, reason: 'ambiguous', count: 1 }]
    return []
  })

const appIds = kitApps.map((a) => a.appId)
const instants = [...kitTimes.map((t) => Date.parse(t)), kitNow].map((t) => t as Instant)
const nowDay = Math.floor(kitNow / 86_400_000)

const bounds: fc.Arbitrary<Instant[]> = fc.uniqueArray(fc.constantFrom(...instants), { maxLength: 3 }).map((b) => b.sort((x, y) => x - y))

/** A dispatch record with a send summary, as `registry.recordSend` writes one. */
export const summarised = (appId: string, dispatchId: string, lastAt: number, extra: Partial<DispatchRecord> = {}): DispatchRecord => ({
  kind: 'dispatch',
  appId: appId as AppId,
  dispatchId: dispatchId as DispatchId,
  delivered: [],
  ambiguous: [],
  received: 0,
  opened: 0,
  sends: { runs: 1, recent: [`run-${dispatchId}`], kind: 'alert', targeted: 3, sent: 3, delivered: 2, dead: 1, suspect: 0, firstAt: (lastAt - 1000) as Instant, lastAt: lastAt as Instant },
  ...extra,
})

const aUser = (userId: string): RegistryRecord => ({ kind: 'user', userId: userId as UserId, subscription: null, email: null, phone: null, registrations: [], optIns: [] })

const counter = (appId: string, day: number, event: DailyCountDraft['event'], reason: string, count: number): DailyCountDraft => ({ appId: appId as AppId, day, event, reason, count })

/** One commit of the daily-counter property: a write of one of a few users, right or wrong version, and some counts. */
const countingCommit = fc.record({
  user: fc.constantFrom('kim', 'charlie'),
  stale: fc.boolean(),
  counts: fc.array(
    fc.record({
      appId: fc.constantFrom(...appIds),
      day: fc.integer({ min: nowDay - 3, max: nowDay }),
      event: fc.constantFrom('invalidated' as const, 'quarantined' as const),
      reason: fc.constantFrom('dead', 'uninstalled', 'ambiguous'),
      count: fc.integer({ min: 1, max: 5 }),
    }),
    { maxLength: 4 },
  ),
})

/** A send summary the property records (small sets of ids, so duplicates and several runs per dispatch occur). */
const aSend = fc.record({
  appId: fc.constantFrom(...appIds),
  dispatchId: fc.constantFrom(...kitDispatches, 'push-9'),
  runId: fc.constantFrom('r1', 'r2', 'r3'),
  kind: fc.constantFrom('alert' as const, 'background' as const),
  targeted: fc.nat(5),
  sent: fc.nat(5),
  delivered: fc.nat(5),
  dead: fc.nat(5),
  suspect: fc.nat(5),
  startedAt: fc.constantFrom(...instants),
  finishedAt: fc.constantFrom(...instants),
})

/**
 * Layer 1 and 2 for the token-health queries (`countRegistrations`, `readDailyCounts` with
 * `CommitOptions.counts`, `recentDispatches`): examples of the contract in
 * `src/ports/storage.ts`, and properties against plain folds of the same records and commits.
 */
export const describeHealthQueries = (options: ConformanceOptions, settings: RunSettings, part: 'examples' | 'property'): void => {
  const test = sampleTests(options)
  const write = async (store: StoragePort, list: readonly RegistryRecord[], withEntries = true): Promise<void> => {
    const current = await store.read(list)
    const writes = list.map((record, i) => ({ record, expectedVersion: current[i]?.version ?? 0, ...(withEntries ? { entry: indexEntryOf(record) } : {}) }))
    expect(await store.commit(writes)).toEqual({ ok: true })
  }
  const countsOf = async (q: HealthQueries, query: RegistrationCountQuery) => [...(await q.countRegistrations(query))].sort(byGroup)
  const dailyOf = async (q: HealthQueries, query: DailyCountQuery) => [...(await q.readDailyCounts(query))].sort(byCounter)

  if (part === 'property') {
    it('registration counts and recent dispatches answer as a fold of the same records, daily counts as a fold of the feed, whatever the inputs', () =>
      fc.assert(
        fc.asyncProperty(validInputs, fc.integer({ min: 1, max: 8 }), fc.array(aSend, { maxLength: 6 }), fc.array(bounds, { minLength: 1, maxLength: 3 }), async (inputs, chunk, sends, boundsList) =>
          withStore(options, async (store) => {
            const registry = kitRegistry(store)
            // In chunks, so that registrations are rewritten by later commits.
            await feed(registry, inputs, chunk)
            for (const send of sends) expect((await registry.recordSend(send)).issues).toEqual([])
            const stored = await allRecords(store)
            const q = queriesOf(store)
            const changes = draftsOfFeed(await readFeed(store))
            for (const appId of appIds) {
              for (const b of boundsList) expect(await countsOf(q, { appId, bounds: b })).toEqual(foldRegistrationCounts(stored, { appId, bounds: b }))
              for (const limit of [1, 2, 10]) expect(await q.recentDispatches({ appId, limit })).toEqual(foldRecentDispatches(stored, appId, limit))
              const days = { appId, fromDay: nowDay - 1, toDay: nowDay }
              expect(await dailyOf(q, days)).toEqual(foldDailyCounts(changes, days))
            }
          }),
        ),
        { ...settings, numRuns: Math.max(10, Math.ceil(settings.numRuns / 4)) },
      ))

    it('daily counters sum the counts of the commits that applied, and of no commit that conflicted', () =>
      fc.assert(
        fc.asyncProperty(fc.array(countingCommit, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), async (commits, back, span) =>
          withStore(options, async (store) => {
            const applied: DailyCountDraft[] = []
            for (const c of commits) {
              const [current] = await store.read([{ kind: 'user', userId: c.user as UserId }])
              const version = current?.version ?? 0
              const outcome = await store.commit([{ record: aUser(c.user), expectedVersion: c.stale ? version + 1 : version, entry: indexEntryOf(aUser(c.user)) }], { counts: c.counts })
              expect(outcome.ok).toBe(!c.stale)
              if (outcome.ok) applied.push(...c.counts)
            }
            if (store.readDailyCounts === undefined) return
            for (const appId of appIds) {
              const query = { appId, fromDay: nowDay - back, toDay: nowDay - back + span }
              expect(await dailyOf(queriesOf(store), query)).toEqual(foldDailyCounts(applied, query))
            }
          }),
        ),
        settings,
      ))
    return
  }

  describe('token-health queries', () => {
    test('an empty store counts nothing and has no recent dispatch', async (store) => {
      const q = queriesOf(store)
      expect(await q.countRegistrations({ appId: 'ios' as AppId, bounds: [kitNow as Instant] })).toEqual([])
      expect(await q.readDailyCounts({ appId: 'ios' as AppId, fromDay: 0, toDay: nowDay })).toEqual([])
      expect(await q.recentDispatches({ appId: 'ios' as AppId, limit: 10 })).toEqual([])
    })

    for (const withEntries of [true, false]) {
      test(`registration counts by status, capability and band, per app (writes ${withEntries ? 'with' : 'without'} entries)`, async (store, { morning, evening }) => {
        await write(store, morning, withEntries)
        await write(store, evening, withEntries)
        const q = queriesOf(store)
        const at = Date.parse('2026-01-01T08:05:00.000Z') as Instant
        for (const appId of appIds) {
          for (const b of [[], [at], [at, kitNow as Instant], [0 as Instant, at]] as Instant[][]) {
            expect(await countsOf(q, { appId, bounds: b })).toEqual(foldRegistrationCounts(evening, { appId, bounds: b }))
          }
        }
        expect(foldRegistrationCounts(evening, { appId: 'ios' as AppId, bounds: [] }).length).toBeGreaterThan(0)
      })
    }

    test('a deleted registration is no longer counted', async (store, { evening }) => {
      await write(store, evening)
      const gone = evening.filter((r) => r.kind === 'registration' && r.deviceId === 'phone-1')
      const current = await store.read(gone)
      expect(await store.commit([], { deletes: gone.map((key, i) => ({ key, expectedVersion: current[i]?.version ?? 0 })) })).toEqual({ ok: true })
      const left = evening.filter((r) => !gone.includes(r))
      for (const appId of appIds) expect(await countsOf(queriesOf(store), { appId, bounds: [kitNow as Instant] })).toEqual(foldRegistrationCounts(left, { appId, bounds: [kitNow as Instant] }))
    })

    test('daily counters: applied commits add up by app, day, event and reason; a conflicting commit counts nothing', async (store) => {
      if (store.readDailyCounts === undefined) return
      const kim = aUser('kim')
      expect(await store.commit([{ record: kim, expectedVersion: 0 }], { counts: [counter('ios', 100, 'invalidated', 'dead', 2), counter('ios', 100, 'quarantined', 'ambiguous', 1)] })).toEqual({ ok: true })
      expect(await store.commit([], { counts: [counter('ios', 100, 'invalidated', 'dead', 3), counter('ios', 101, 'invalidated', 'uninstalled', 1), counter('web', 100, 'invalidated', 'dead', 7)] })).toEqual({ ok: true })
      // Stale: expects version 0 of a record at version 1.
      const conflict = await store.commit([{ record: kim, expectedVersion: 0 }], { counts: [counter('ios', 100, 'invalidated', 'dead', 50)] })
      expect(conflict.ok).toBe(false)
      const q = queriesOf(store)
      expect(await dailyOf(q, { appId: 'ios' as AppId, fromDay: 100, toDay: 101 })).toEqual([
        counter('ios', 100, 'invalidated', 'dead', 5),
        counter('ios', 100, 'quarantined', 'ambiguous', 1),
        counter('ios', 101, 'invalidated', 'uninstalled', 1),
      ])
      expect(await dailyOf(q, { appId: 'ios' as AppId, fromDay: 101, toDay: 101 })).toEqual([counter('ios', 101, 'invalidated', 'uninstalled', 1)])
      expect(await dailyOf(q, { appId: 'web' as AppId, fromDay: 0, toDay: 1000 })).toEqual([counter('web', 100, 'invalidated', 'dead', 7)])
      expect(await dailyOf(q, { appId: 'android' as AppId, fromDay: 0, toDay: 1000 })).toEqual([])
    })

    test('daily counters do not depend on the feed: pruning and forgetting changes leave them', async (store) => {
      if (store.readDailyCounts === undefined) return
      const change = { at: 100 * 86_400_000, users: ['kim' as UserId], change: { name: 'token.invalidated', payload: { appId: 'ios', reason: 'dead' } } }
      expect(await store.commit([], { changes: [change], counts: [counter('ios', 100, 'invalidated', 'dead', 1)] })).toEqual({ ok: true })
      expect(await store.commit([], { forgetChanges: ['kim' as UserId] })).toEqual({ ok: true })
      await store.pruneChanges({ before: kitNow })
      expect(await store.readChanges({ limit: 10 })).toEqual([])
      expect(await dailyOf(queriesOf(store), { appId: 'ios' as AppId, fromDay: 100, toDay: 100 })).toEqual([counter('ios', 100, 'invalidated', 'dead', 1)])
    })

    test(`daily counters: the last ${400} days before the newest are kept`, async (store) => {
      if (store.readDailyCounts === undefined) return
      expect(await store.commit([], { counts: [counter('ios', 1000, 'invalidated', 'dead', 1)] })).toEqual({ ok: true })
      expect(await store.commit([], { counts: [counter('ios', 1400, 'invalidated', 'dead', 1)] })).toEqual({ ok: true })
      expect(await dailyOf(queriesOf(store), { appId: 'ios' as AppId, fromDay: 0, toDay: 2000 })).toEqual([counter('ios', 1000, 'invalidated', 'dead', 1), counter('ios', 1400, 'invalidated', 'dead', 1)])
      // One commit whose counts lie more than 400 days apart applies (older days may then be dropped).
      expect(await store.commit([], { counts: [counter('ios', 1400, 'invalidated', 'dead', 2), counter('ios', 3000, 'invalidated', 'dead', 1)] })).toEqual({ ok: true })
      expect(await dailyOf(queriesOf(store), { appId: 'ios' as AppId, fromDay: 2600, toDay: 3000 })).toEqual([counter('ios', 3000, 'invalidated', 'dead', 1)])
    })

    test('recent dispatches: summarised ones of the app, latest first, at most limit, as last written', async (store) => {
      const records = [
        summarised('ios', 'a', 3000),
        summarised('ios', 'b', 1000),
        summarised('ios', 'c', 3000),
        summarised('ios', 'plain', 0, { sends: undefined }),
        summarised('web', 'w', 5000),
      ].map((r) => (r.sends === undefined ? (({ sends: _, ...rest }) => rest)(r) : r)) as RegistryRecord[]
      await write(store, records)
      const q = queriesOf(store)
      const ids = async (appId: string, limit: number) => (await q.recentDispatches({ appId: appId as AppId, limit })).map((d) => d.dispatchId)
      expect(await ids('ios', 10)).toEqual(['c', 'a', 'b'])
      expect(await ids('ios', 2)).toEqual(['c', 'a'])
      expect(await ids('web', 10)).toEqual(['w'])
      expect(await ids('android', 10)).toEqual([])
      // A later send moves b first; a delivery report on a keeps its place and shows its counters.
      await write(store, [summarised('ios', 'b', 9000), summarised('ios', 'a', 3000, { received: 4 })])
      expect(await ids('ios', 10)).toEqual(['b', 'c', 'a'])
      expect((await q.recentDispatches({ appId: 'ios' as AppId, limit: 10 }))[2]).toEqual(summarised('ios', 'a', 3000, { received: 4 }))
    })
  })
}
