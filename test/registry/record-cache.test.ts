import type { RecordKey, StoragePort, UserId, UserRecord } from 'push-registry'
import { collect, createRegistry, recordId, RegistryConfigError } from 'push-registry'
import { cachedUnitLimit, RecordCache } from '../../src/registry/record-cache.js'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { allApps, apns, countingStore, d, h, login, session, setup, testClock } from './harness.js'

const first = session({ at: h(1), device: 'phone-1', user: 'kim', token: apns('a1') })
const repeat = session({ at: h(2), device: 'phone-1', user: 'kim', token: apns('a1') })

/** What a registry answers about phone-1 and its users: enough to tell two states apart. */
const stateOf = async (storage: StoragePort) => {
  const { registry } = setup({ storage })
  return {
    registrations: await collect(registry.registrations('ios')),
    kim: await registry.profile('kim'),
    lou: await registry.profile('lou'),
  }
}

/** The state one registry with no cache reaches when fed `inputs` in order. */
const reference = async (inputs: readonly unknown[]) => {
  const storage = createMemoryStorage()
  const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(d(1)), recordCacheSize: 0 })
  for (const input of inputs) expect((await registry.ingest(input)).rejected).toEqual([])
  return stateOf(storage)
}

// Issue 13: the common input about a device this instance saw lately is decided from its cache
// of committed versions and committed in one round trip; the commit checks the cached records
// it relied on, so another instance's change is never overwritten or missed.
describe('the record cache', () => {
  it('R1: a warm registry ingests a repeat session with no read: one commit', async () => {
    const { store, take } = countingStore(createMemoryStorage())
    const { feed } = setup({ storage: store })
    await feed(first)
    expect(take()).toEqual({ reads: 1, commits: 1 })
    await feed(repeat)
    expect(take()).toEqual({ reads: 0, commits: 1 })
  })

  it('the commit checks only the cached records the decision looked at: not a known user\'s, asked for before the device was known', async () => {
    const inner = createMemoryStorage()
    const checked: string[][] = []
    const store: StoragePort = {
      ...inner,
      commit: (writes, options) => {
        checked.push((options?.reads ?? []).map((read) => recordId(read.key)))
        return inner.commit(writes, options)
      },
    }
    const { feed } = setup({ storage: store })
    await feed(first)
    checked.length = 0
    await feed(repeat)
    expect(checked).toEqual([[]])
  })

  it('D2, R12: a warm registry ingests a login on a shared device, of a user it saw elsewhere, with no read', async () => {
    const { store, take } = countingStore(createMemoryStorage())
    const { feed } = setup({ storage: store })
    await feed(first, session({ at: h(1), device: 'phone-2', user: 'lou', token: apns('b2') }))
    take()
    await feed(login({ at: h(2), device: 'phone-1', user: 'lou' }))
    expect(take()).toEqual({ reads: 0, commits: 1 })
  })

  it('a batch about devices the registry saw reads nothing either', async () => {
    const { store, take } = countingStore(createMemoryStorage())
    const { feed } = setup({ storage: store })
    const devices = ['phone-1', 'phone-2', 'phone-3']
    await feed(...devices.map((device, i) => session({ at: h(1), device, user: `u${i}`, token: apns(`a${i}`) })))
    take()
    await feed(...devices.map((device, i) => session({ at: h(2), device, user: `u${i}`, token: apns(`a${i}`) })))
    expect(take()).toEqual({ reads: 0, commits: 1 })
  })

  it('a batch of more than 64 inputs neither takes from the cache nor fills it, and its commit keeps the entries the cache holds current', async () => {
    const { store, take } = countingStore(createMemoryStorage())
    const { feed } = setup({ storage: store })
    await feed(first)
    const devices = Array.from({ length: cachedUnitLimit + 1 }, (_, i) => `tablet-${i}`)
    await feed(...devices.map((device, i) => session({ at: h(1), device, user: `u${i}`, token: apns(`c${i}`) })))
    take()
    // The batch also moves phone-1 on (a later session): the cached phone-1 entry follows it.
    await feed(repeat, ...devices.map((device, i) => session({ at: h(2), device, user: `u${i}`, token: apns(`c${i}`) })))
    expect(take()).toEqual({ reads: 1, commits: 1 })
    await feed(session({ at: h(3), device: 'phone-1', user: 'kim', token: apns('a1') }))
    expect(take()).toEqual({ reads: 0, commits: 1 })
    await feed(session({ at: h(3), device: 'tablet-0', user: 'u0', token: apns('c0') }))
    expect(take()).toEqual({ reads: 1, commits: 1 })
  })

  it('I9: instance B changes a record instance A has cached; A\'s next input sees the change', async () => {
    const shared = createMemoryStorage()
    const a = setup({ storage: shared })
    const b = setup({ storage: shared })
    const lou = login({ at: h(2), device: 'phone-1', user: 'lou' })
    const later = session({ at: h(3), device: 'phone-1', token: apns('a1') })
    await a.feed(first)
    await b.feed(lou)
    await a.feed(later)
    expect(await stateOf(shared)).toEqual(await reference([first, lou, later]))
  })

  // Deciding from the cache, A finds the re-sent input already applied and would write nothing:
  // only the check of what it read (the registration, erased since) tells it otherwise.
  it('I9, D2: instance B erases a user whose records A has cached; A\'s duplicate of an earlier input makes them a new user, as it would on one instance', async () => {
    const shared = createMemoryStorage()
    const a = setup({ storage: shared })
    const b = setup({ storage: shared })
    await a.feed(first)
    expect((await b.registry.erase('kim')).erased).toBe(true)
    await a.feed(first)
    const expected = await reference([first])
    const state = await stateOf(shared)
    expect(state.kim?.devices).toEqual(expected.kim?.devices)
    expect(state.kim).not.toBeNull()
  })

  it('a cached record that another instance deleted is a conflict, and the input is applied from fresh reads', async () => {
    const inner = createMemoryStorage()
    const { store, take } = countingStore(inner)
    const a = setup({ storage: store })
    const b = setup({ storage: inner })
    await a.feed(first)
    await b.registry.erase('kim')
    take()
    await a.feed(repeat)
    // The cached attempt conflicts; the retry reads afresh and commits.
    expect(take()).toEqual({ reads: 1, commits: 2 })
    expect((await stateOf(inner)).kim?.devices.map((device) => device.deviceId)).toEqual(['phone-1'])
  })

  it('a store without checksReads is never sent reads, and the registry reads what it decides from', async () => {
    const inner = createMemoryStorage()
    const plain: StoragePort = { ...inner, capabilities: { ...inner.capabilities, checksReads: false } }
    const { store, take } = countingStore({
      ...plain,
      commit: (writes, options) => {
        expect(options?.reads).toBeUndefined()
        return plain.commit(writes, options)
      },
    })
    const { feed } = setup({ storage: store })
    await feed(first)
    take()
    await feed(repeat)
    expect(take()).toEqual({ reads: 1, commits: 1 })
  })

  it('D14: recordCacheSize bounds it; 0 turns it off; a size that is not a whole number is refused', async () => {
    const { store, take } = countingStore(createMemoryStorage())
    const registry = createRegistry({ apps: allApps as never, storage: store, clock: testClock(d(1)), recordCacheSize: 0 })
    await registry.ingest(first)
    take()
    await registry.ingest(repeat)
    expect(take()).toEqual({ reads: 1, commits: 1 })
    for (const recordCacheSize of [-1, 1.5, Number.NaN]) {
      expect(() => createRegistry({ apps: allApps as never, storage: createMemoryStorage(), recordCacheSize })).toThrow(RegistryConfigError)
    }
  })
})

describe('RecordCache', () => {
  const user = (userId: string): UserRecord => ({ kind: 'user', userId: userId as UserId, subscription: null, email: null, phone: null })
  const key = (userId: string): RecordKey => ({ kind: 'user', userId: userId as UserId })

  it('D14: holds at most its capacity, dropping the least recently used first', () => {
    const cache = new RecordCache(2)
    cache.remember(key('a'), { record: user('a'), version: 1 })
    cache.remember(key('b'), undefined)
    expect(cache.get(key('a'))?.version).toBe(1)
    cache.remember(key('c'), { record: user('c'), version: 3 })
    expect(cache.size).toBe(2)
    // b was the least recently used: a was just looked up.
    expect(cache.get(key('b'))).toBeUndefined()
    expect(cache.get(key('a'))?.version).toBe(1)
    expect(cache.get(key('c'))?.version).toBe(3)
  })

  it('keeps the newer of a read and a commit that crossed it, and forgets what conflicted or was deleted', () => {
    const cache = new RecordCache(10)
    cache.committed([{ record: user('a'), expectedVersion: 4 }], [])
    cache.remember(key('a'), { record: user('a'), version: 4 })
    expect(cache.get(key('a'))?.version).toBe(5)
    cache.remember(key('a'), { record: user('a'), version: 6 })
    expect(cache.get(key('a'))?.version).toBe(6)
    cache.forget([recordId(key('a'))])
    expect(cache.get(key('a'))).toBeUndefined()
    cache.remember(key('b'), { record: user('b'), version: 2 })
    cache.committed([], [{ key: key('b'), expectedVersion: 2 }])
    expect(cache.get(key('b'))).toBeUndefined()
  })

  it('of capacity 0 holds nothing', () => {
    const cache = new RecordCache(0)
    cache.remember(key('a'), { record: user('a'), version: 1 })
    cache.committed([{ record: user('b'), expectedVersion: 0 }], [])
    expect(cache.size).toBe(0)
  })
})
