import type { RecordKey, RegistryRecord, StoragePort, StoredRecord } from 'push-registry'
import { collect, createRegistry, fixedClock, recordId } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { allApps, apns, d, h, login, prompt, session, subscriptionSet } from './harness.js'

/** What one ingest asked of the store: every record read and every record written, with its size. */
interface Traffic {
  readonly read: { readonly id: string; readonly bytes: number }[]
  readonly written: { readonly id: string; readonly bytes: number }[]
  scans: number
}

/** A store that records what the registry reads and writes (sizes as JSON), and refuses to scan when asked. */
const recording = (store: StoragePort, options: { readonly scans?: 'refuse' } = {}) => {
  let traffic: Traffic = { read: [], written: [], scans: 0 }
  const port: StoragePort = {
    ...store,
    read: async (keys: readonly RecordKey[]) => {
      const found = await store.read(keys)
      found.forEach((stored: StoredRecord | undefined, i) => traffic.read.push({ id: recordId(keys[i] as RecordKey), bytes: stored === undefined ? 0 : JSON.stringify(stored.record).length }))
      return found
    },
    commit: async (writes, commitOptions) => {
      for (const write of writes) traffic.written.push({ id: recordId(write.record), bytes: JSON.stringify(write.record).length })
      return store.commit(writes, commitOptions)
    },
    scan: async (request) => {
      traffic.scans++
      if (options.scans === 'refuse') throw new Error('this test allows no scan')
      return store.scan(request)
    },
  }
  return {
    port,
    /** Forgets what was recorded so far, and answers it. */
    take: (): Traffic => {
      const taken = traffic
      traffic = { read: [], written: [], scans: 0 }
      return taken
    },
  }
}

const kioskSize = 3000
const hexToken = (i: number): string => i.toString(16).padStart(64, '0')
const clock = fixedClock(Date.parse(d(2)))
const registryOn = (storage: StoragePort) => createRegistry({ apps: allApps as never, storage, clock })

/** One user signed in on `kioskSize` iPads: what a kiosk (or a test account) looks like. */
const kioskInputs = Array.from({ length: kioskSize }, (_, i) => session({ at: h(1 + (i % 10)), device: `ipad-${i}`, user: 'kiosk', token: hexToken(i + 1) }))

const kioskStore = async () => {
  const store = createMemoryStorage()
  const registry = registryOn(store)
  expect((await registry.ingest(kioskInputs)).accepted).toBe(kioskSize)
  return store
}

const largest = (rows: readonly { readonly bytes: number }[]): number => rows.reduce((max, r) => Math.max(max, r.bytes), 0)

describe('users seen on thousands of devices (issue 12 item 1, D2, D14)', () => {
  it('D14: one more session of one kiosk device reads and writes a few small records, none listing the user’s devices', async () => {
    const rec = recording(await kioskStore())
    const registry = registryOn(rec.port)
    await registry.ingest(session({ at: h(20), device: 'ipad-17', user: 'kiosk', token: hexToken(18) }))
    const traffic = rec.take()
    // Its registration and its token; on the user's side only what the one read asks for
    // before it knows the device (issue 13: a new device needs them in that same read): the
    // user record and the root of their links, both small, nothing listing their devices.
    expect(traffic.read.length).toBeLessThanOrEqual(4)
    const userSide = traffic.read.map((r) => r.id).filter((id) => !id.startsWith('r\u0000') && !id.startsWith('t\u0000'))
    expect(userSide.sort()).toEqual([recordId({ kind: 'links', userId: 'kiosk', node: '' } as RecordKey), recordId({ kind: 'user', userId: 'kiosk' } as RecordKey)].sort())
    expect(largest(traffic.read)).toBeLessThan(2048)
    expect(traffic.written.length).toBeLessThanOrEqual(3)
    expect(largest(traffic.written)).toBeLessThan(2048)
    expect(traffic.written.map((w) => w.id)).not.toContain(recordId({ kind: 'user', userId: 'kiosk' } as RecordKey))
  })

  it('D2, D14: a new device of the kiosk user writes its registration, its token and one page of the user’s links, all small', async () => {
    const rec = recording(await kioskStore())
    const registry = registryOn(rec.port)
    await registry.ingest(session({ at: h(20), device: 'ipad-new', user: 'kiosk', token: hexToken(kioskSize + 5) }))
    const traffic = rec.take()
    // The device's registration and token, the user record, and the path of the new link in
    // the user's links (the root, an inner node, the leaf).
    expect(traffic.read.length).toBeLessThanOrEqual(8)
    expect(largest(traffic.read)).toBeLessThan(8192)
    expect(traffic.written.length).toBeLessThanOrEqual(5)
    expect(largest(traffic.written)).toBeLessThan(8192)
    const profile = await registry.profile('kiosk')
    expect(profile?.devices.length).toBe(kioskSize + 1)
    const ids = profile?.devices.map((device) => device.deviceId) ?? []
    expect(ids).toEqual([...ids].sort())
  })

  it('R12, D3: an opt-in on one kiosk device writes the user record, which stays small', async () => {
    const store = await kioskStore()
    const rec = recording(store)
    const registry = registryOn(rec.port)
    await registry.ingest(session({ at: h(20), device: 'ipad-new', user: 'kiosk', token: hexToken(kioskSize + 5), permission: 'not_determined' }))
    rec.take()
    await registry.ingest(prompt({ at: h(21), device: 'ipad-new', result: 'granted' }))
    const traffic = rec.take()
    expect(traffic.written.map((w) => w.id)).toContain(recordId({ kind: 'user', userId: 'kiosk' } as RecordKey))
    expect(largest(traffic.written)).toBeLessThan(2048)
    expect(traffic.read.length).toBeLessThanOrEqual(10)
    expect((await registry.profile('kiosk'))?.subscription).toBe('opted_in')
  })

  it('R25, R26, R21: the profile, the export and segments list every device of the kiosk user, read through their links', async () => {
    const registry = registryOn(await kioskStore())
    const profile = await registry.profile('kiosk')
    expect(profile?.devices.length).toBe(kioskSize)
    expect(profile?.devices.every((device) => device.pushRegisteredFor === 'Foreground: MyApp (iOS)')).toBe(true)
    expect(profile?.changelog.filter((entry) => entry.kind === 'registered').length).toBe(kioskSize)
    const [exported] = await registry.exportUsers(['kiosk'])
    expect(exported?.push_tokens.length).toBe(kioskSize)
    expect(await collect(registry.segment({ kind: 'foregroundPushEnabledForApp', appId: 'ios' as never }))).toEqual(['kiosk'])
  })

  it('R12, D3, I9: an opt-in that a late login gives to someone else takes the user’s latest opt-in back to their previous one', async () => {
    const inputs = [
      session({ at: h(1), device: 'shared', user: 'kim', token: apns('a1'), permission: 'not_determined' }),
      prompt({ at: h(3), device: 'shared', result: 'granted' }),
      session({ at: h(1), device: 'own', user: 'kim', token: apns('b2'), permission: 'not_determined' }),
      prompt({ at: h(2), device: 'own', result: 'granted' }),
      subscriptionSet({ at: h(2.5), user: 'kim', state: 'unsubscribed' }),
    ]
    const late = login({ at: h(2.2), device: 'shared', user: 'charlie' })
    const inOrder = registryOn(createMemoryStorage())
    await inOrder.ingest([...inputs, late])
    const arriving = registryOn(createMemoryStorage())
    await arriving.ingest(inputs)
    expect((await arriving.profile('kim'))?.subscription).toBe('opted_in')
    await arriving.ingest(late)
    // Kim's latest opt-in is now the one at 2 h on her own phone, before she unsubscribed.
    expect((await arriving.profile('kim'))?.subscription).toBe('unsubscribed')
    expect(await arriving.profile('kim')).toEqual(await inOrder.profile('kim'))
    expect(await arriving.profile('charlie')).toEqual(await inOrder.profile('charlie'))
  })
})

describe('erasure reads what names the user through their links (issue 12 item 6)', () => {
  it('erases a kiosk user without scanning the store', async () => {
    const store = await kioskStore()
    const rec = recording(store, { scans: 'refuse' })
    const registry = registryOn(rec.port)
    const report = await registry.erase('kiosk')
    expect(report).toEqual({ erased: true, registrations: kioskSize, contacts: 0 })
    expect(rec.take().scans).toBe(0)
    expect(await registry.profile('kiosk')).toBeNull()
    const strings = (value: unknown): string[] =>
      typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(strings) : value !== null && typeof value === 'object' ? Object.values(value).flatMap(strings) : []
    const left: RegistryRecord[] = []
    for (const kind of ['registration', 'user', 'links', 'changelog', 'contact'] as const) {
      for (let cursor: string | null | undefined; cursor !== null; ) {
        const page = await store.scan({ kind, limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
        left.push(...page.records.map((r) => r.record).filter((r) => strings(r).includes('kiosk')))
        cursor = page.next
      }
    }
    expect(left).toEqual([])
  })
})
