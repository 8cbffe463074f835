import { describe, expect, it } from 'vitest'
import type { PolicyOverrides, RecordKey, TokenRecord } from 'push-registry'
import { collect, createRegistry } from 'push-registry'
import { measuringStorage } from './measuring-storage.js'
import { evidenceTail } from '../../src/domain/token-evidence.js'
import { allApps, answer, apns, at, day, hour, minute, session, testClock } from './harness.js'

/**
 * D14, R17, R18: a token answered at every send while its device reports nothing new. The
 * token record and what each input about it reads and writes must not grow with the answers
 * (measured in records and bytes, never in time).
 */


const token = apns('e7')
const tokenKey: RecordKey = { kind: 'token', appId: 'ios' as never, key: token as never }

type Kind = 'dead' | 'ambiguous' | 'ignored' | 'delivered'

/** The `i`-th answer of a kind, one minute apart after the device's only report. */
const nth = (kind: Kind, i: number) => {
  const when = hour + i * minute
  switch (kind) {
    case 'dead':
      // R17: APNs' own evidence time, distinct for every answer.
      return answer({ at: at(when), token, status: 410, reason: 'Unregistered', timestamp: Date.parse(at(when)) })
    case 'ambiguous':
      // R18, D6: each from a dispatch of its own; the third kills the token, the rest add nothing.
      return answer({ at: at(when), token, status: 400, reason: 'BadDeviceToken', dispatch: `send-${i}` })
    case 'ignored':
      // R18: with `ambiguousAlikeThreshold` 1 each dispatch failed alike: no evidence, the token stays a target.
      return answer({ at: at(when), token, status: 400, reason: 'BadDeviceToken', dispatch: `send-${i}` })
    case 'delivered':
      return answer({ at: at(when), token, status: 200 })
  }
}

const policyOf = (kind: Kind): Record<string, PolicyOverrides> => (kind === 'ignored' ? { ios: { ambiguousAlikeThreshold: 1 } } : {})

/** A device that reported `token` once, then `count` answers about it; what the next answer costs. */
const answeredTimes = async (kind: Kind, count: number) => {
  const { storage, reset, measured } = measuringStorage()
  // No record cache: what the next answer reads from the store is the record's cost, whatever
  // the cache happens to hold after batches of different sizes.
  const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(30 * day)), policy: policyOf(kind), recordCacheSize: 0 })
  expect((await registry.ingest([session({ at: at(0), device: 'phone', user: 'kim', token })])).rejected).toEqual([])
  const answers = Array.from({ length: count }, (_, i) => nth(kind, i))
  for (let i = 0; i < answers.length; i += 1000) expect((await registry.ingest(answers.slice(i, i + 1000))).rejected).toEqual([])
  reset()
  expect((await registry.ingest([nth(kind, count)])).rejected).toEqual([])
  const cost = measured()
  const [stored] = await storage.read([tokenKey])
  const record = stored?.record as TokenRecord
  const [registration] = await collect(registry.registrations('ios'))
  return { cost, row: JSON.stringify(record).length, record, registration, registry }
}

describe('bounded token evidence (D14, R17, R18)', () => {
  for (const kind of ['dead', 'ambiguous', 'ignored', 'delivered'] as const) {
    it(`D14, ${kind === 'dead' ? 'R17' : 'R18'}: ${kind} answers at every send keep the token row and the cost of the next answer flat (10 vs 10,000)`, async () => {
      const few = await answeredTimes(kind, 10)
      const many = await answeredTimes(kind, 10_000)
      // Same records read, same bytes read and written, same row: the 9,990 answers more left nothing.
      expect(many.cost.keysRead).toBe(few.cost.keysRead)
      expect(many.cost.bytesRead).toBeLessThanOrEqual(few.cost.bytesRead + 64)
      expect(many.cost.bytesWritten).toBeLessThanOrEqual(few.cost.bytesWritten + 64)
      expect(many.row).toBeLessThanOrEqual(few.row + 64)
      expect(many.row).toBeLessThan(1024)
      // And the state is what every answer gives.
      expect(many.registration).toEqual(few.registration)
      expect(many.registration?.status).toBe(kind === 'dead' || kind === 'ambiguous' ? 'ended' : 'active')
    })
  }

  it('R17, D14: after 10,000 dead answers the token ended at the first of them, and a report between two of the latest still dies at the next', async () => {
    const { registry, record } = await answeredTimes('dead', 10_000)
    expect(record.deaths).toHaveLength(1 + evidenceTail)
    const changelog = await registry.changelog('kim')
    expect(changelog.map((e) => [e.kind, e.at])).toEqual([
      ['registered', 0 + Date.parse(at(0))],
      ['invalidated', Date.parse(at(hour))],
    ])
    // A late report inside the window, between the two latest deaths (R17: re-registered
    // after the earlier, so only the later one kills it).
    const between = hour + 9_998 * minute + 1
    await registry.ingest([session({ at: at(between), device: 'phone', user: 'kim', token })])
    const after = await registry.changelog('kim')
    expect(after.slice(2).map((e) => [e.kind, e.at])).toEqual([
      ['registered', Date.parse(at(between))],
      ['invalidated', Date.parse(at(hour + 9_999 * minute))],
    ])
  })

  it("R17, D14: deaths between a device's repeated reports each end the report before them, however many follow", async () => {
    const { storage } = measuringStorage()
    const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(30 * day)) })
    const report = (hours: number) => session({ at: at(hours * hour), device: 'phone', user: 'kim', token })
    const death = (minutes: number) => answer({ at: at(minutes * minute), token, status: 410, reason: 'ExpiredToken' })
    // Reports at 0 h, 2 h and 4 h (repeats: the token record keeps only the first and the latest);
    // one death between the first two, eight between the last two, answered long after.
    await registry.ingest([report(0), report(2), report(4)])
    await registry.ingest([death(60), ...Array.from({ length: 8 }, (_, i) => death(130 + i))])
    const [stored] = await storage.read([tokenKey])
    expect((stored?.record as TokenRecord).deaths.length).toBeLessThanOrEqual(2 + evidenceTail)
    expect((await registry.changelog('kim')).map((e) => [e.kind, (e.at - Date.parse(at(0))) / minute])).toEqual([
      ['registered', 0],
      ['invalidated', 60],
      ['registered', 120],
      // R17: the report at 2 h dies at the first death after it, not at one the bound kept.
      ['invalidated', 130],
      ['registered', 240],
    ])
  })

  it('D14 (known limit), R17: a report arriving late among dropped dead answers still ends dead, dated at the next kept answer', async () => {
    const { storage } = measuringStorage()
    const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(30 * day)) })
    const deaths = Array.from({ length: 20 }, (_, i) => answer({ at: at((i + 1) * hour), token, status: 410, reason: 'ExpiredToken' }))
    await registry.ingest([session({ at: at(0), device: 'phone', user: 'kim', token }), ...deaths])
    // Kept: the first death after the report and the latest five (16 h to 20 h).
    const [stored] = await storage.read([tokenKey])
    expect((stored?.record as TokenRecord).deaths.map((t) => (t - Date.parse(at(0))) / hour)).toEqual([1, 16, 17, 18, 19, 20])
    // In time order this report would have died at 6 h; arriving after the answers, it dies at
    // the next one kept. Its status is exact (R17: a death follows it), its time is not.
    await registry.ingest([session({ at: at(5.5 * hour), device: 'phone', user: 'kim', token })])
    const [registration] = await collect(registry.registrations('ios'))
    expect(registration).toMatchObject({ active: false, status: 'ended' })
    expect((await registry.changelog('kim')).map((e) => [e.kind, (e.at - Date.parse(at(0))) / hour])).toEqual([
      ['registered', 0],
      ['invalidated', 1],
      ['registered', 5.5],
      ['invalidated', 16],
    ])
  })

  it('D14, R17: a token record written before the bound, with every dead answer listed, is read as it is and compacted on its next write', async () => {
    const { storage, reset, measured } = measuringStorage()
    const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(30 * day)) })
    await registry.ingest([session({ at: at(0), device: 'phone', user: 'kim', token }), nth('dead', 0)])
    const before = await collect(registry.registrations('ios'))
    // What the release before the bound stored after 10,000 dead answers: every evidence time.
    const [stored] = await storage.read([tokenKey])
    const old = stored?.record as TokenRecord
    const listed: TokenRecord = { ...old, deaths: Array.from({ length: 10_000 }, (_, i) => Date.parse(at(hour + i * minute))) as never }
    expect(await storage.commit([{ record: listed, expectedVersion: stored?.version ?? 0 }])).toEqual({ ok: true })
    expect(await collect(registry.registrations('ios'))).toEqual(before)
    expect((await registry.changelog('kim')).map((e) => e.kind)).toEqual(['registered', 'invalidated'])
    // Its next write keeps what decides, and the next input after that costs what it costs on a bounded record.
    await registry.ingest([nth('dead', 10_000)])
    const [rewritten] = await storage.read([tokenKey])
    expect((rewritten?.record as TokenRecord).deaths).toHaveLength(1 + evidenceTail)
    expect((rewritten?.record as TokenRecord).deaths[0]).toBe(Date.parse(at(hour)))
    expect(await collect(registry.registrations('ios'))).toEqual(before)
    reset()
    await registry.ingest([nth('dead', 10_001)])
    expect(measured().bytesRead).toBeLessThan(4096)
  })
})
