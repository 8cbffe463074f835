import fc from 'fast-check'
import type {
  AppId,
  Capability,
  IndexPage,
  IndexQueries,
  Instant,
  RegistrationEntry,
  RegistrationQuery,
  RegistryRecord,
  StoragePort,
  SubscriptionState,
  UserEntry,
  UserId,
  UserQuery,
  UserRow,
} from 'push-registry'
import { indexEntryOf, scanIndexQueries } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { validInputs } from './arbitraries.js'
import { feed } from './feed.js'
import type { ConformanceOptions, RunSettings } from './options.js'
import { withStore } from './options.js'
import { allRecords, sampleTests } from './sample-records.js'
import { kitApps, kitNow, kitRegistry, kitTimes, kitUsers } from './universe.js'

/** The store's index queries, or the registry's scan fallback when it has none (what the registry would use). */
const queriesOf = (store: StoragePort): IndexQueries => {
  const fallback = scanIndexQueries(store)
  return {
    queryRegistrations: store.queryRegistrations?.bind(store) ?? fallback.queryRegistrations,
    queryUsers: store.queryUsers?.bind(store) ?? fallback.queryUsers,
  }
}

/** Follows a query's cursors to the end, checking each page's size; fails rather than loop forever. */
const pagesOf = async <Q extends { readonly after?: string; readonly limit: number }, A>(
  run: (query: Q) => Promise<IndexPage<A>>,
  query: Q,
): Promise<A[]> => {
  const out: A[] = []
  let after: string | undefined
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await run({ ...query, ...(after === undefined ? {} : { after }) })
    expect(page.entries.length, 'a page holds at most `limit` entries').toBeLessThanOrEqual(query.limit)
    out.push(...page.entries)
    if (page.next === null) return out
    expect(typeof page.next, 'a cursor is a string').toBe('string')
    after = page.next
  }
  throw new Error('an index query did not end after 10,000 pages')
}

const byRegistration = (a: RegistrationEntry, b: RegistrationEntry): number =>
  a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0
const byUser = (a: UserRow, b: UserRow): number => (a.user.userId < b.user.userId ? -1 : a.user.userId > b.user.userId ? 1 : 0)

/** Every entry the records give, derived plainly. */
const entriesOf = (records: readonly RegistryRecord[]) => {
  const registrations: RegistrationEntry[] = []
  const users = new Map<UserId, UserEntry>()
  for (const record of records) {
    const entry = indexEntryOf(record)
    if (entry?.kind === 'registration') registrations.push(entry)
    else if (entry?.kind === 'user') users.set(entry.userId, entry)
  }
  return { registrations, users }
}

/**
 * The kit's own reading of `RegistrationQuery`, as a filter over every record: what a store's
 * index must answer. Written apart from the registry's code, so that a shared mistake shows.
 */
export const foldRegistrations = (records: readonly RegistryRecord[], query: RegistrationQuery): RegistrationEntry[] => {
  const { registrations, users } = entriesOf(records)
  const stateOf = (userId: UserId): SubscriptionState => users.get(userId)?.subscription ?? 'subscribed'
  return registrations
    .filter((e) => query.appId === undefined || e.appId === query.appId)
    .filter((e) => {
      const a = query.active
      if (a === undefined) return true
      if (e.token.status !== 'active') return false
      const at = e.token.reportedAt
      return (a.reportedSince === null || at >= a.reportedSince) && (a.reportedBefore === undefined || at < a.reportedBefore) && (a.capabilities ?? [e.token.capability]).includes(e.token.capability)
    })
    .filter((e) => {
      const states = query.ownerStates
      if (states === undefined) return true
      return e.owners.length === 0 ? states.includes('subscribed') : e.owners.some((o) => states.includes(stateOf(o)))
    })
    .sort(byRegistration)
}

/** The kit's own reading of `UserQuery`, as a fold over every record. */
export const foldUsers = (records: readonly RegistryRecord[], query: UserQuery): UserRow[] => {
  const { registrations, users } = entriesOf(records)
  const chosen = query.userIds === undefined ? [...users.values()] : [...new Set(query.userIds)].flatMap((id) => users.get(id) ?? [])
  return chosen.flatMap((user) => {
    if (query.states !== undefined && !query.states.includes(user.subscription)) return []
    const owned = registrations
      .filter((e) => e.owners.includes(user.userId) && (query.apps === undefined || query.apps.includes(e.appId)))
      .sort(byRegistration)
    if (query.owning === true && owned.length === 0) return []
    return [{ user, registrations: owned }]
  })
}

const states: readonly SubscriptionState[] = ['subscribed', 'opted_in', 'unsubscribed']
const capabilities: readonly Capability[] = ['foreground', 'provisional', 'background']
const instants = [...kitTimes.map((t) => Date.parse(t)), kitNow].map((t) => t as Instant)
const appIds = kitApps.map((a) => a.appId)

/** A random registration query over the kit's universe. */
const registrationQuery: fc.Arbitrary<RegistrationQuery> = fc.record(
  {
    appId: fc.constantFrom(...appIds),
    active: fc.record(
      {
        reportedSince: fc.option(fc.constantFrom(...instants), { nil: null }),
        reportedBefore: fc.constantFrom(...instants),
        capabilities: fc.subarray([...capabilities]),
      },
      { requiredKeys: ['reportedSince'] },
    ),
    ownerStates: fc.subarray([...states]),
    limit: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: ['limit'] },
)

/** A random user query over the kit's universe (with ids the store never saw). */
const userQuery: fc.Arbitrary<UserQuery> = fc.record(
  {
    userIds: fc.array(fc.constantFrom(...kitUsers, 'nobody'), { maxLength: 5 }).map((ids) => ids as UserId[]),
    states: fc.subarray([...states]),
    apps: fc.subarray([...appIds]),
    owning: fc.boolean(),
    limit: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: ['limit'] },
)

/** What a registration query answered, in the kit's order (the store chooses its own). */
const registrationsAnswered = async (q: IndexQueries, query: RegistrationQuery): Promise<RegistrationEntry[]> =>
  (await pagesOf(q.queryRegistrations, query)).sort(byRegistration)

/** What a user query answered: by user id, or in the order asked when `userIds` lists them (one page). */
const usersAnswered = async (q: IndexQueries, query: UserQuery): Promise<UserRow[]> => {
  if (query.userIds === undefined) return (await pagesOf(q.queryUsers, query)).sort(byUser)
  const page = await q.queryUsers(query)
  expect(page.next, 'a query by userIds is one page').toBeNull()
  return [...page.entries]
}

/**
 * Layer 1 and 2 for the index queries (`queryRegistrations`, `queryUsers`): examples of the
 * contract in `src/ports/storage.ts`, and a property: on records a registry wrote from random
 * inputs, every query answers what a scan and fold of the same records gives.
 */
export const describeIndexQueries = (options: ConformanceOptions, settings: RunSettings, part: 'examples' | 'property'): void => {
  const test = sampleTests(options)
  /** Writes records as the registry does: with their entries, or without (the store derives them). */
  const write = async (store: StoragePort, list: readonly RegistryRecord[], withEntries: boolean): Promise<void> => {
    const current = await store.read(list.map((r) => r))
    const writes = list.map((record, i) => ({
      record,
      expectedVersion: current[i]?.version ?? 0,
      ...(withEntries ? { entry: indexEntryOf(record) } : {}),
    }))
    expect(await store.commit(writes)).toEqual({ ok: true })
  }

  if (part === 'property') {
    it('index queries answer as a scan and fold of the same records, whatever the inputs', () =>
      fc.assert(
        fc.asyncProperty(
          validInputs,
          fc.array(registrationQuery, { minLength: 1, maxLength: 4 }),
          fc.array(userQuery, { minLength: 1, maxLength: 4 }),
          async (inputs, registrationQueries, userQueries) =>
            withStore(options, async (store) => {
              await feed(kitRegistry(store), inputs)
              const stored = await allRecords(store)
              const q = queriesOf(store)
              for (const query of registrationQueries) {
                expect(await registrationsAnswered(q, query)).toEqual(foldRegistrations(stored, query))
              }
              for (const query of userQueries) {
                const expected = foldUsers(stored, query)
                expect(await usersAnswered(q, query)).toEqual(query.userIds === undefined ? expected.sort(byUser) : expected)
              }
            }),
        ),
        settings,
      ))
    return
  }

  describe('index queries', () => {
    test('an empty store answers no registration and no user', async (store) => {
      const q = queriesOf(store)
      expect(await pagesOf(q.queryRegistrations, { limit: 10 })).toEqual([])
      expect(await pagesOf(q.queryUsers, { limit: 10 })).toEqual([])
      expect(await q.queryUsers({ userIds: ['kim' as UserId], limit: 10 })).toEqual({ entries: [], next: null })
    })

    for (const withEntries of [true, false]) {
      test(`every registration entry once, per app and over all, pages of one included (writes ${withEntries ? 'with' : 'without'} entries)`, async (store, { morning }) => {
        await write(store, morning, withEntries)
        const q = queriesOf(store)
        const all = foldRegistrations(morning, { limit: 1 })
        expect(all.length).toBeGreaterThan(0)
        expect(await registrationsAnswered(q, { limit: 1 })).toEqual(all)
        expect(await registrationsAnswered(q, { limit: 100 })).toEqual(all)
        for (const appId of appIds) expect(await registrationsAnswered(q, { appId, limit: 1 })).toEqual(all.filter((e) => e.appId === appId))
      })
    }

    test('a rewrite replaces the entry: owners and tokens as of the last write', async (store, { morning, evening }) => {
      await write(store, morning, true)
      await write(store, evening, true)
      const q = queriesOf(store)
      expect(await registrationsAnswered(q, { limit: 2 })).toEqual(foldRegistrations(evening, { limit: 2 }))
      // The afternoon moved ios/phone-1 from charlie to kim, and kim unsubscribed.
      const rows = await usersAnswered(q, { owning: true, limit: 2 })
      expect(rows).toEqual(foldUsers(evening, { owning: true, limit: 2 }))
      expect(rows.find((r) => r.user.userId === 'charlie')).toBeUndefined()
      expect(rows.find((r) => r.user.userId === 'kim')?.user.subscription).toBe('unsubscribed')
    })

    test('a deleted record leaves the index: its registration, its user and their rows are gone', async (store, { evening }) => {
      await write(store, evening, true)
      const q = queriesOf(store)
      const gone = evening.filter((r) => (r.kind === 'registration' && r.deviceId === 'phone-1') || (r.kind === 'user' && r.userId === 'léa:2'))
      const current = await store.read(gone)
      const deletes = gone.map((record, i) => ({ key: record, expectedVersion: current[i]?.version ?? 0 }))
      expect(await store.commit([], { deletes })).toEqual({ ok: true })
      const left = evening.filter((r) => !gone.includes(r))
      expect(await registrationsAnswered(q, { limit: 1 })).toEqual(foldRegistrations(left, { limit: 1 }))
      expect(await usersAnswered(q, { limit: 1 })).toEqual(foldUsers(left, { limit: 1 }).sort(byUser))
      expect(await usersAnswered(q, { owning: true, limit: 1 })).toEqual(foldUsers(left, { owning: true, limit: 1 }).sort(byUser))
    })

    test('R27: ownerStates joins owners with their subscription state; anonymous devices count as subscribed', async (store, { evening }) => {
      await write(store, evening, true)
      const q = queriesOf(store)
      for (const ownerStates of [['subscribed'], ['unsubscribed'], ['opted_in', 'subscribed']] as SubscriptionState[][]) {
        expect(await registrationsAnswered(q, { ownerStates, limit: 1 })).toEqual(foldRegistrations(evening, { ownerStates, limit: 1 }))
      }
    })

    test('R19, D7: active narrows to active tokens reported within the bounds, of the capabilities asked', async (store, { evening }) => {
      await write(store, evening, true)
      const q = queriesOf(store)
      const at = Date.parse('2026-01-01T08:05:00.000Z') as Instant
      for (const active of [{ reportedSince: null }, { reportedSince: at }, { reportedSince: null, reportedBefore: at }, { reportedSince: null, capabilities: ['background' as const] }]) {
        expect(await registrationsAnswered(q, { active, limit: 1 })).toEqual(foldRegistrations(evening, { active, limit: 1 }))
      }
    })

    test('userIds: those users in the order asked, each once, unknown ones left out, in one page', async (store, { evening }) => {
      await write(store, evening, true)
      const q = queriesOf(store)
      const userIds = ['kim', 'nobody', 'léa:2', 'kim', 'charlie'] as UserId[]
      const page = await q.queryUsers({ userIds, limit: 1 })
      expect(page.next).toBeNull()
      expect(page.entries.map((r) => r.user.userId)).toEqual(['kim', 'léa:2', 'charlie'])
      expect(page.entries).toEqual(foldUsers(evening, { userIds, limit: 1 }))
    })

    test('R4, I8: apps narrows the registrations a user row lists, and owning the users', async (store, { evening }) => {
      await write(store, evening, true)
      const q = queriesOf(store)
      for (const apps of [['ios'], ['android', 'web'], []] as AppId[][]) {
        for (const owning of [true, false]) {
          expect(await usersAnswered(q, { apps, owning, limit: 1 })).toEqual(foldUsers(evening, { apps, owning, limit: 1 }))
        }
      }
    })

  })
}
