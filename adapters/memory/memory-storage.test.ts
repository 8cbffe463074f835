import type { AppId, DeviceId, RegistrationRecord } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describeStorageConformance } from 'push-registry/testing'
import { describe, expect, it } from 'vitest'

describeStorageConformance({
  name: 'memory',
  create: async () => createMemoryStorage(),
})

describe('createMemoryStorage', () => {
  const record: RegistrationRecord = {
    kind: 'registration',
    appId: 'ios' as AppId,
    deviceId: 'phone-1' as DeviceId,
    facts: [],
    view: { owner: null, owners: [], seenUsers: [], token: { status: 'none' }, optIns: [], known: false },
  }

  it('gives each call a store of its own: nothing written to one is seen by another', async () => {
    const one = createMemoryStorage()
    const other = createMemoryStorage()
    expect(await one.commit([{ record, expectedVersion: 0 }])).toEqual({ ok: true })
    expect(await other.read([record])).toEqual([undefined])
    expect(await other.scan({ kind: 'registration', limit: 10 })).toEqual({ records: [], next: null })
  })

  it('claims to live in one process and not to survive it', () => {
    expect(createMemoryStorage().capabilities).toEqual({ sharedAcrossProcesses: false, durable: false, indexedQueries: true, checksReads: true })
  })
})
