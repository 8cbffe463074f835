import { collect } from 'push-registry'
import type { RegistryChange, RegistryRecord, StoragePort } from 'push-registry'
import { createRegistry, fixedClock, recordId } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { allRecords } from '../../src/testing/sample-records.js'
import { allApps, apns, attributes, d, h, login, logout, prompt, session, subscriptionSet, targetTokens } from './harness.js'

const clock = fixedClock(Date.parse(d(3)))
const registryOn = (storage: StoragePort, policy?: Record<string, { ownership: 'shared' }>) =>
  createRegistry({ apps: allApps as never, storage, clock, ...(policy === undefined ? {} : { policy }) })

const all = async (iterable: AsyncIterable<RegistryChange>): Promise<RegistryChange[]> => {
  const out: RegistryChange[] = []
  for await (const change of iterable) out.push(change)
  return out
}

/** Every string anywhere in a value. */
const strings = (value: unknown): string[] => {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(strings)
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(strings)
  return []
}

const K1 = apns('a1')
const K2 = apns('b2')
const C1 = apns('c3')

/** Kim on two iPhones (one handed on to Charlie), with contacts, an opt-in and a subscription; Charlie on his own. */
const story = [
  session({ at: h(1), device: 'kims-phone', user: 'kim', token: K1, permission: 'not_determined' }),
  prompt({ at: h(2), device: 'kims-phone', result: 'granted' }),
  session({ at: h(3), device: 'old-phone', user: 'kim', token: K2 }),
  login({ at: h(4), device: 'old-phone', user: 'charlie' }),
  session({ at: h(5), device: 'charlies-phone', user: 'charlie', token: C1 }),
  attributes({ at: h(6), user: 'kim', email: 'kim@example.com', phone: '+33 6 00 00 00 01' }),
  attributes({ at: h(7), user: 'kim', email: 'kim.new@example.com' }),
  attributes({ at: h(8), user: 'charlie', email: 'charlie@example.com' }),
  subscriptionSet({ at: h(9), user: 'kim', state: 'subscribed' }),
]

const byId = (records: readonly RegistryRecord[]) => new Map(records.map((r) => [recordId(r), r]))

describe('registry.erase (issue 12 item 6)', () => {
  it('removes every trace of the user from every record and from the feed, and ends the tokens only they owned', async () => {
    const store = createMemoryStorage()
    const registry = registryOn(store)
    await registry.ingest(story)
    expect(await targetTokens(registry, 'ios', 'background')).toContain(K1)
    const report = await registry.erase('kim')
    expect(report).toEqual({ erased: true, registrations: 2, contacts: 3 })
    const secrets = ['kim', 'kim@example.com', 'kim.new@example.com', '+33600000001']
    for (const record of await allRecords(store)) {
      for (const secret of secrets) expect(strings(record), `${recordId(record)} holds ${secret}`).not.toContain(secret)
    }
    const feed = await all(registry.changes())
    for (const secret of secrets.slice(1)) expect(JSON.stringify(feed)).not.toContain(secret)
    expect(feed.filter((c) => strings(c.payload).includes('kim')).map((c) => c.name)).toEqual(['user.erased'])
    expect(feed.at(-1)).toMatchObject({ name: 'user.erased', payload: { userId: 'kim' } })
    expect(feed.find((c) => c.name === 'token.invalidated')?.payload).toMatchObject({ deviceId: 'kims-phone', owner: null, reason: 'erased' })
    expect(await registry.profile('kim')).toBeNull()
    expect(await registry.lookup({ email: 'kim@example.com' })).toBeNull()
    expect(await registry.changelog('kim')).toEqual([])
    expect((await targetTokens(registry, 'ios', 'background')).sort()).toEqual([C1, K2].sort())
    const kims = (await collect(registry.registrations('ios'))).find((r) => r.deviceId === 'kims-phone')
    expect(kims).toMatchObject({ status: 'ended', owners: [] })
  })

  it('changes no other user: their records stay as they were, and registrations that never named the user too', async () => {
    const store = createMemoryStorage()
    const registry = registryOn(store)
    await registry.ingest(story)
    const before = byId(await allRecords(store))
    await registry.erase('kim')
    const after = byId(await allRecords(store))
    for (const [id, record] of before) {
      if (strings(record).includes('kim')) continue
      expect(after.get(id), id).toEqual(record)
    }
    expect(after.get(recordId({ kind: 'user', userId: 'charlie' } as never))).toEqual(before.get(recordId({ kind: 'user', userId: 'charlie' } as never)))
    const charlie = await registry.profile('charlie')
    expect(charlie?.devices.map((d) => d.deviceId).sort()).toEqual(['charlies-phone', 'old-phone'])
    // Charlie's changelog keeps its shape; the user he lost the old phone to is no one now.
    expect(await registry.lookup({ email: 'charlie@example.com' })).toBe('charlie')
  })

  it('is idempotent: a second erasure finds nothing and changes nothing, feed included', async () => {
    const store = createMemoryStorage()
    const registry = registryOn(store)
    await registry.ingest(story)
    await registry.erase('kim')
    const records = await allRecords(store)
    const feed = await all(registry.changes())
    expect(await registry.erase('kim')).toEqual({ erased: false, registrations: 0, contacts: 0 })
    expect(await allRecords(store)).toEqual(records)
    expect(await all(registry.changes())).toEqual(feed)
    expect(await registry.erase('')).toEqual({ erased: false, registrations: 0, contacts: 0 })
    expect(await registry.erase('nobody')).toEqual({ erased: false, registrations: 0, contacts: 0 })
  })

  it('survives a crash midway: a user on 250 devices, the process dies after any commit, erasing again ends where one erasure does', async () => {
    const inputs = Array.from({ length: 250 }, (_, i) => session({ at: h(1 + (i % 20)), device: `kiosk-${i}`, user: 'kim', token: apns(`${(i % 200).toString(16).padStart(2, '0')}`) }))
    const reference = createMemoryStorage()
    const once = registryOn(reference)
    await once.ingest([...inputs, ...story])
    const erased = await once.erase('kim')
    expect(erased.registrations).toBe(252)
    const expected = await allRecords(reference)
    for (const crashAfter of [1, 2, 3, 4]) {
      const store = createMemoryStorage()
      await registryOn(store).ingest([...inputs, ...story])
      let commits = 0
      const crashing: StoragePort = {
        ...store,
        commit: async (writes, options) => {
          if (++commits > crashAfter) throw new Error('process killed')
          return store.commit(writes, options)
        },
      }
      await expect(registryOn(crashing).erase('kim')).rejects.toThrow(/killed/)
      const resumed = await registryOn(store).erase('kim')
      expect(resumed.erased).toBe(true)
      expect(await allRecords(store), `crash after ${crashAfter} commit(s)`).toEqual(expected)
    }
  })

  it('an input naming the user that lands while the erasure runs is erased with the rest (the last commit conflicts, the erasure starts over)', async () => {
    const store = createMemoryStorage()
    const other = registryOn(store)
    let landed = false
    const racing: StoragePort = {
      ...store,
      commit: async (writes, options) => {
        // Just before the erasure's last commit, another instance ingests a login of the user.
        if (!landed && (options?.deletes ?? []).some((d) => d.key.kind === 'user')) {
          landed = true
          await other.ingest(session({ at: h(10), device: 'late-phone', user: 'kim', token: apns('e5') }))
        }
        return store.commit(writes, options)
      },
    }
    await other.ingest(story)
    const report = await registryOn(racing).erase('kim')
    expect(landed).toBe(true)
    expect(report).toMatchObject({ erased: true, registrations: 3 })
    for (const record of await allRecords(store)) expect(strings(record), recordId(record)).not.toContain('kim')
    expect(await other.profile('kim')).toBeNull()
  })

  it('a later login of the erased user makes them a new user, who holds only what came after', async () => {
    const registry = registryOn(createMemoryStorage())
    await registry.ingest(story)
    await registry.erase('kim')
    await registry.ingest(session({ at: d(4), device: 'new-phone', user: 'kim', token: apns('d4') }))
    const profile = await registry.profile('kim')
    expect(profile?.devices.map((device) => device.deviceId)).toEqual(['new-phone'])
    expect(profile?.email ?? null).toBeNull()
    expect(await targetTokens(registry, 'ios')).toContain(apns('d4'))
  })

  it('shared ownership: a token signed in to the erased user and another stays live for the other', async () => {
    const store = createMemoryStorage()
    const registry = registryOn(store, { ios: { ownership: 'shared' } })
    await registry.ingest([
      session({ at: h(1), device: 'family-ipad', user: 'kim', token: K1 }),
      login({ at: h(2), device: 'family-ipad', user: 'charlie' }),
      session({ at: h(3), device: 'kims-ipad', user: 'kim', token: K2 }),
      logout({ at: h(4), device: 'kims-ipad', user: 'charlie' }),
    ])
    await registry.erase('kim')
    const summaries = await collect(registry.registrations('ios'))
    expect(summaries.find((r) => r.deviceId === 'family-ipad')).toMatchObject({ status: 'active', owners: ['charlie'] })
    expect(summaries.find((r) => r.deviceId === 'kims-ipad')).toMatchObject({ status: 'ended', owners: [] })
    for (const record of await allRecords(store)) expect(strings(record)).not.toContain('kim')
  })
})
