import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RecordKey, StoragePort, TokenRecord } from 'push-registry'
import { collect, createRegistry } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { claimsKept } from '../../src/domain/claims.js'
import { allApps, answer, apns, at, day, minute, session, testClock } from './harness.js'

/** A memory store that counts the record keys the registry reads. */
const countingStorage = (): { readonly storage: StoragePort; readonly reads: () => number; readonly reset: () => void } => {
  const inner = createMemoryStorage()
  let count = 0
  const storage: StoragePort = Object.assign(Object.create(inner) as StoragePort, {
    read: (keys: readonly RecordKey[]) => {
      count += keys.length
      return inner.read(keys)
    },
  })
  return { storage, reads: () => count, reset: () => (count = 0) }
}

const token = apns('c7')
const claimants = 3000

/** `claimants` devices reporting the same token, one `spacing` apart (a cloned image). */
const claimedBy = async (spacing: number) => {
  const { storage, reads, reset } = countingStorage()
  const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(claimants * spacing + day)) })
  const sessions = Array.from({ length: claimants }, (_, i) => session({ at: at(i * spacing), device: `clone-${i}`, token }))
  for (let i = 0; i < sessions.length; i += 1000) {
    const report = await registry.ingest(sessions.slice(i, i + 1000))
    expect(report.rejected).toEqual([])
  }
  /** The number of records one ingest reads. */
  const readsOf = async (input: unknown): Promise<number> => {
    reset()
    const report = await registry.ingest([input])
    expect(report.rejected).toEqual([])
    return reads()
  }
  const tokenRow = async (): Promise<number> => {
    const [stored] = await storage.read([{ kind: 'token', appId: 'ios' as never, key: token as never }])
    return JSON.stringify(stored?.record).length
  }
  return { registry, readsOf, tokenRow }
}

const activeHolders = async (registry: ReturnType<typeof createRegistry>) =>
  (await collect(registry.registrations('ios'))).filter((r) => r.active).map((r) => r.deviceId)

describe('a token claimed by many devices (R3, D14)', () => {
  it(`R3, D14: with ${claimants} claimants, one more answer or session report about the token reads a handful of records`, async () => {
    const { registry, readsOf } = await claimedBy(minute)
    const last = claimants - 1
    expect(await activeHolders(registry)).toEqual([`clone-${last}`])
    // An answer: the token's record and the registration that held the token at its time.
    expect(await readsOf(answer({ at: at(claimants * minute), token, status: 200 }))).toBeLessThanOrEqual(4)
    // A dead answer as of a time in the middle of the claims (R17) changes no view (that
    // device had lost the token already), and still reads only its claimant.
    expect(await readsOf(answer({ at: at(claimants * minute), token, status: 410, reason: 'Unregistered', timestamp: Date.parse(at((last - 10) * minute + 1)) }))).toBeLessThanOrEqual(4)
    expect(await activeHolders(registry)).toEqual([`clone-${last}`])
    // A new device takes the token (R3): it, the former holder, their token and users.
    expect(await readsOf(session({ at: at(claimants * minute + 1), device: 'newcomer', token }))).toBeLessThanOrEqual(6)
    expect(await activeHolders(registry)).toEqual(['newcomer'])
    // A device that claimed it long ago reports it again: it takes the token back.
    expect(await readsOf(session({ at: at(claimants * minute + 2), device: 'clone-0', token }))).toBeLessThanOrEqual(6)
    expect(await activeHolders(registry)).toEqual(['clone-0'])
    expect(await collect(registry.targets({ appId: 'ios', kind: 'alert' }))).toHaveLength(1)
  }, 120_000)

  it(`D14: the token's stored record stays under 8 KB as ${claimants} claimants accumulate over a year, past the reorder window`, async () => {
    const { registry, tokenRow } = await claimedBy(Math.floor((365 * day) / claimants))
    expect(await tokenRow()).toBeLessThan(8192)
    expect(await activeHolders(registry)).toEqual([`clone-${claimants - 1}`])
  }, 120_000)

  it(`R3, R17, D14: beyond ${claimsKept} claimants, the holder and every status stay exact`, async () => {
    const { registry, readsOf } = await claimedBy(minute)
    // The latest claimant is the only active one; an R17 answer as of after its report kills it.
    await readsOf(answer({ at: at(claimants * minute), token, status: 410, reason: 'Unregistered', timestamp: Date.parse(at(claimants * minute)) }))
    expect(await activeHolders(registry)).toEqual([])
    expect(await collect(registry.targets({ appId: 'ios', kind: 'background' }))).toEqual([])
    // A report after the evidence registers it again (R17: re-registered later stays active).
    await readsOf(session({ at: at(claimants * minute + 1), device: 'clone-5', token }))
    expect(await activeHolders(registry)).toEqual(['clone-5'])
  }, 120_000)

  it('D14: a token record written by the previous release (every claim, sorted by device id) keeps working and is written back bounded', async () => {
    const storage = createMemoryStorage()
    const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(day)) })
    const devices = 200
    // Reports one minute apart in an order unrelated to device ids.
    const order = (i: number) => (i * 37) % devices
    const report = await registry.ingest(Array.from({ length: devices }, (_, i) => session({ at: at(order(i) * minute), device: `old-${String(i).padStart(3, '0')}`, token })))
    expect(report.rejected).toEqual([])
    const key = { kind: 'token', appId: 'ios', key: token } as unknown as RecordKey
    const [stored] = await storage.read([key])
    const record = stored?.record as TokenRecord
    const legacy: TokenRecord = {
      ...record,
      claims: Array.from({ length: devices }, (_, i) => ({ deviceId: `old-${String(i).padStart(3, '0')}`, at: Date.parse(at(order(i) * minute)) })) as never,
    }
    expect((await storage.commit([{ record: legacy, expectedVersion: stored?.version ?? 0 }])).ok).toBe(true)
    const holder = `old-${String(Array.from({ length: devices }, (_, i) => i).find((i) => order(i) === devices - 1)).padStart(3, '0')}`
    expect(await activeHolders(registry)).toEqual([holder])
    // A device whose claim only the old record still lists takes the token back (R3) ...
    expect((await registry.ingest([session({ at: at(devices * minute), device: 'old-000', token })])).rejected).toEqual([])
    expect(await activeHolders(registry)).toEqual(['old-000'])
    // ... and the record is written back in R3 order, bounded.
    const [after] = await storage.read([key])
    const claims = (after?.record as TokenRecord).claims
    expect(claims).toHaveLength(claimsKept)
    expect(claims.at(-1)?.deviceId).toBe('old-000')
    expect(claims.map((c) => c.at)).toEqual([...claims.map((c) => c.at)].sort((a, b) => a - b))
  })

  it(`R3, R17, R18, I9: beyond ${claimsKept} claimants, in any order, every registration's status and the targets are the same`, async () => {
    const random = fc.sample(fc.array(fc.nat(9_999), { minLength: 400, maxLength: 400 }), { numRuns: 1, seed: 42 })[0] as number[]
    const inputs: unknown[] = []
    // 150 devices, some reporting twice, over a day; answers of every kind at random times.
    for (let i = 0; i < 150; i++) {
      inputs.push(session({ at: at((random[i] as number) * 10_000), device: `clone-${i}`, user: `u${i % 7}`, token }))
      if (i % 5 === 0) inputs.push(session({ at: at((random[i + 150] as number) * 10_000), device: `clone-${i}`, token }))
    }
    for (let i = 0; i < 30; i++) {
      const when = (random[300 + i] as number) * 10_000
      const kind = i % 3
      inputs.push(
        kind === 0
          ? answer({ at: at(day), token, status: 410, reason: 'Unregistered', timestamp: Date.parse(at(when)) })
          : kind === 1
            ? answer({ at: at(when), token, status: 400, reason: 'BadDeviceToken', dispatch: `x${i}` })
            : answer({ at: at(when), token, status: 200, dispatch: `x${i - 1}` }),
      )
    }
    const outcome = async (list: readonly unknown[]) => {
      const registry = createRegistry({ apps: allApps as never, storage: createMemoryStorage(), clock: testClock(at(day)) })
      const report = await registry.ingest(list)
      expect(report.rejected).toEqual([])
      return {
        registrations: (await collect(registry.registrations('ios'))).map(({ deviceId, status, active, owner }) => ({ deviceId, status, active, owner })).sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1)),
        targets: await collect(registry.targets({ appId: 'ios', kind: 'background' })),
      }
    }
    const expected = await outcome(inputs)
    expect(expected.registrations.filter((r) => r.active).length).toBeLessThanOrEqual(1)
    for (const seed of [1, 2, 3]) {
      const shuffled = fc.sample(fc.shuffledSubarray(inputs, { minLength: inputs.length, maxLength: inputs.length }), { numRuns: 1, seed })[0] as unknown[]
      expect(await outcome(shuffled)).toEqual(expected)
    }
  })
})
