import type { RecordWrite, RegistrationRecord, RegistryRecord, StoragePort, UserRecord } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { allRecords } from '../../src/testing/sample-records.js'
import { allApps, apns, attributes, d, h, login, logout, prompt, session, subscriptionSet } from './harness.js'

const clock = fixedClock(Date.parse(d(3)))
const registryOn = (storage: StoragePort) => createRegistry({ apps: allApps as never, storage, clock })

const story = [
  session({ at: h(1), device: 'kims-phone', user: 'kim', token: apns('a1'), permission: 'not_determined' }),
  prompt({ at: h(2), device: 'kims-phone', result: 'granted' }),
  session({ at: h(3), device: 'old-phone', user: 'kim', token: apns('b2') }),
  login({ at: h(4), device: 'old-phone', user: 'charlie' }),
  logout({ at: h(5), device: 'charlies-phone', user: 'kim' }),
  session({ at: h(5), device: 'charlies-phone', user: 'charlie', token: apns('c3') }),
  attributes({ at: h(6), user: 'kim', email: 'kim@example.com' }),
  subscriptionSet({ at: h(7), user: 'charlie', state: 'unsubscribed' }),
]

const strings = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(strings) : value !== null && typeof value === 'object' ? Object.values(value).flatMap(strings) : []

/**
 * The store as the release before user links left it: user records list the registrations
 * their user was seen on and the opt-ins there, and there are no links.
 */
const legacyStore = async (): Promise<StoragePort> => {
  const store = createMemoryStorage()
  await registryOn(store).ingest(story)
  const records = await allRecords(store)
  const registrations = records.filter((r): r is RegistrationRecord => r.kind === 'registration')
  const writes: RecordWrite[] = []
  const [stored] = await Promise.all([store.read(records.map((r) => r as never))])
  const versionOf = new Map(records.map((r, i) => [r, stored[i]?.version ?? 0]))
  const deletes = records.filter((r) => r.kind === 'links').map((r) => ({ key: r as never, expectedVersion: versionOf.get(r) as number }))
  for (const record of records) {
    if (record.kind !== 'user') continue
    const seen = registrations.filter((r) => r.view.seenUsers.includes(record.userId))
    const { latestOptIn: _, ...rest } = record
    const legacy: UserRecord = {
      ...rest,
      registrations: seen.map((r) => ({ appId: r.appId, deviceId: r.deviceId })),
      optIns: seen.flatMap((r) => r.view.optIns.filter((o) => o.userId === record.userId).map((o) => ({ appId: r.appId, deviceId: r.deviceId, at: o.at }))),
    }
    writes.push({ record: legacy, expectedVersion: versionOf.get(record) as number })
  }
  expect(await store.commit(writes, { deletes })).toEqual({ ok: true })
  return store
}

const answers = async (storage: StoragePort) => {
  const registry = registryOn(storage)
  return {
    profiles: await Promise.all(['kim', 'charlie'].map((u) => registry.profile(u))),
    exports: await registry.exportUsers(['kim', 'charlie']),
  }
}

describe('user records written by the release before user links (D14)', () => {
  it('D2, R25, R26: are read as they are: profiles, changelogs and exports answer as before', async () => {
    const current = createMemoryStorage()
    await registryOn(current).ingest(story)
    const legacy = await legacyStore()
    expect((await allRecords(legacy)).some((r) => r.kind === 'links')).toBe(false)
    expect(await answers(legacy)).toEqual(await answers(current))
  })

  it('R11, R12: the next write of such a record moves its lists into links, and answers stay the same', async () => {
    const legacy = await legacyStore()
    const current = createMemoryStorage()
    const more = [subscriptionSet({ at: h(8), user: 'kim', state: 'unsubscribed' }), session({ at: h(9), device: 'new-phone', user: 'kim', token: apns('d4') })]
    await registryOn(current).ingest([...story, ...more])
    await registryOn(legacy).ingest(more)
    const kim = (await allRecords(legacy)).find((r): r is UserRecord => r.kind === 'user' && r.userId === 'kim')
    expect(kim?.registrations).toBeUndefined()
    expect(kim?.optIns).toBeUndefined()
    expect(kim?.unlinked).toBe(true)
    expect(kim?.latestOptIn).toMatchObject({ deviceId: 'kims-phone' })
    expect(await answers(legacy)).toEqual(await answers(current))
  })

  it('erasure of such a user also scans for what that release did not link (a logout alone, contact addresses)', async () => {
    for (const converted of [false, true]) {
      const legacy = await legacyStore()
      const registry = registryOn(legacy)
      if (converted) await registry.ingest(subscriptionSet({ at: h(8), user: 'kim', state: 'unsubscribed' }))
      expect(await registry.erase('kim')).toMatchObject({ erased: true, contacts: 1 })
      const left: RegistryRecord[] = (await allRecords(legacy)).filter((r) => strings(r).includes('kim'))
      expect(left, converted ? 'converted' : 'as stored').toEqual([])
      expect(await registry.profile('kim')).toBeNull()
    }
  })
})
