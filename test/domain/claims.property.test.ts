import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AppId, DeviceId, Input, Instant, RegistrationRecord, RegistryRecord, TokenKey, TokenRecord } from 'push-registry'
import { recordId } from 'push-registry'
import type { NextReport } from '../../src/domain/claims.js'
import { boundedToken, claimantAt, claimsKept, compareClaims, orderedClaims, withClaim } from '../../src/domain/claims.js'
import { canonicalKey } from '../../src/domain/order.js'
import { projectRegistration } from '../../src/domain/project.js'
import { reads } from '../../src/domain/world.js'
import type { ApnsEvidence } from './arbitraries.js'
import { apnsAnswer, applyAll, apps, catalogOf, numRuns, reorderedArb, stateKey } from './arbitraries.js'

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const hour = 3_600_000
const instantArb = fc.integer({ min: 0, max: 9 }).map((k) => t0 + k * hour)
const tokens = ['a1'.repeat(32), 'b2'.repeat(32)] as const

/** Many devices passing two tokens around (R3), with the answers that act on a holder (R16–R18). */
const claimArb: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(instantArb, fc.integer({ min: 0, max: 7 }), fc.option(fc.constantFrom(...tokens), { nil: undefined }), fc.option(fc.constantFrom('u1', 'u2'), { nil: undefined }))
      .map(([at, device, token, userId]) => ({
        type: 'session_started',
        at,
        appId: 'ios',
        deviceId: `d${device}`,
        permission: 'granted',
        ...(token === undefined ? {} : { token }),
        ...(userId === undefined ? {} : { userId }),
      }) as unknown as Input),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(instantArb, fc.constantFrom(...tokens), fc.constantFrom<ApnsEvidence>('dead', 'stamped', 'ambiguous', 'delivered'), fc.option(fc.constantFrom('x1', 'x2', 'x3'), { nil: undefined }), instantArb)
      .map(([at, token, kind, dispatchId, stamp]) => apnsAnswer({ at, token, kind, dispatchId, stamp })),
  },
)

/** Every stored view is what a fresh fold of its record gives: no input left one stale. */
const staleViews = (store: ReadonlyMap<string, RegistryRecord>, catalog: ReturnType<typeof catalogOf>): string[] => {
  const read = reads({ get: (key) => store.get(recordId(key)) })
  const stale: string[] = []
  for (const record of store.values()) {
    if (record.kind !== 'registration') continue
    const app = apps.find((a) => a.appId === record.appId)
    if (app === undefined) continue
    const fresh = projectRegistration(record, record.facts, app, catalog.policy(record.appId), read)
    if (canonicalKey(fresh) !== canonicalKey(record.view)) stale.push(record.deviceId)
  }
  return stale
}

describe('claims: a token passed among many devices (R3, D14)', () => {
  it('R3, R16–R18, I9: re-projecting only the claimants an input concerns leaves no view stale, in any order and with duplicates', () => {
    fc.assert(
      fc.property(reorderedArb(claimArb, 24), fc.integer({ min: 1, max: 3 }), ([list, permuted, duplicated], suspectConfirmations) => {
        const catalog = catalogOf({ ios: { suspectConfirmations } })
        const reference = applyAll(list, catalog)
        expect(staleViews(reference, catalog)).toEqual([])
        const key = stateKey(reference)
        expect(stateKey(applyAll(permuted, catalog))).toBe(key)
        expect(stateKey(applyAll(duplicated, catalog))).toBe(key)
      }),
      { numRuns },
    )
  })

  it('I2: at most one registration holds a token active, however many devices claimed it', () => {
    fc.assert(
      fc.property(fc.array(claimArb, { maxLength: 30 }), (inputs) => {
        const store = applyAll(inputs, catalogOf())
        const active = new Map<string, number>()
        for (const record of store.values()) {
          if (record.kind !== 'registration') continue
          const token = (record as RegistrationRecord).view.token
          if (token.status === 'active' || token.status === 'suspect') active.set(token.key, (active.get(token.key) ?? 0) + 1)
        }
        for (const count of active.values()) expect(count).toBe(1)
      }),
      { numRuns },
    )
  })
})


const emptyTokenRecord: TokenRecord = { kind: 'token', appId: 'ios' as AppId, key: 'k' as TokenKey, claims: [], deaths: [], ambiguous: [], deliveries: [] }

describe('the holder timeline (R3, D14)', () => {
  const reportArb = fc.record({ device: fc.integer({ min: 0, max: 5 }), at: fc.integer({ min: 0, max: 40 }) })
  type Report = { readonly device: number; readonly at: number }
  const claimOf = (r: Report) => ({ deviceId: `d${r.device}` as DeviceId, at: r.at as Instant })

  /** Applies reports one at a time, each device's next report read from the reports it made so far (its facts). */
  const apply = (list: readonly Report[], start: TokenRecord = emptyTokenRecord): TokenRecord => {
    const seen: Report[] = []
    return list.reduce((record, r) => {
      seen.push(r)
      const next: NextReport = (deviceId, after) =>
        seen
          .map(claimOf)
          .filter((c) => c.deviceId === deviceId && compareClaims(c, after) > 0)
          .sort(compareClaims)[0]
      return withClaim(record, `d${r.device}` as DeviceId, r.at as Instant, next)
    }, start)
  }

  /** What the timeline must be: every report that follows another device's (or comes first), in R3 order. */
  const takes = (list: readonly Report[]) => {
    const all = [...new Map(list.map((r) => [`${r.device}@${r.at}`, claimOf(r)])).values()].sort(compareClaims)
    return all.filter((c, i) => i === 0 || (all[i - 1] as (typeof all)[number]).deviceId !== c.deviceId)
  }

  it('R3, I9: the kept claims are the takes of the set of every report, in any order and with duplicates', () => {
    fc.assert(
      fc.property(fc.array(reportArb, { maxLength: 40 }), fc.integer(), (reports, seed) => {
        const doubled = [...reports, ...reports.slice(0, seed & 15)]
        const shuffled = fc.sample(fc.shuffledSubarray(doubled, { minLength: doubled.length, maxLength: doubled.length }), { numRuns: 1, seed })[0] ?? []
        const expected = takes(reports)
        expect(apply(reports).claims).toEqual(expected)
        expect(apply(shuffled).claims).toEqual(expected)
        expect(apply(shuffled).lastReport).toEqual(expected.length === 0 ? undefined : [...reports].map(claimOf).sort(compareClaims).at(-1))
      }),
      { numRuns },
    )
  })

  it(`D14: a token record keeps at most ${claimsKept} takes, the latest, and repeats add none`, () => {
    const alternating = Array.from({ length: 500 }, (_, i) => ({ device: i % 2, at: i }))
    const record = apply(alternating)
    expect(record.claims).toHaveLength(claimsKept)
    expect(record.claims.at(-1)).toEqual(claimOf({ device: 1, at: 499 }))
    const repeats = Array.from({ length: 500 }, (_, i) => ({ device: 0, at: i }))
    expect(apply(repeats).claims).toEqual([claimOf({ device: 0, at: 0 })])
  })

  it('D14: a record written by an earlier release (claims sorted by device id, unbounded) is read in R3 order and written back bounded', () => {
    const legacy = { ...emptyTokenRecord, claims: Array.from({ length: 200 }, (_, i) => ({ deviceId: `d${String(i).padStart(3, '0')}` as DeviceId, at: ((i * 7919) % 1000) as Instant })) }
    const claims = orderedClaims(legacy)
    expect(claims.map((c) => c.at)).toEqual([...legacy.claims.map((c) => c.at)].sort((a, b) => a - b))
    expect(claimantAt(legacy, 999 as Instant)).toEqual(claims.at(-1))
    expect(boundedToken(legacy).claims).toEqual(claims.slice(-claimsKept))
  })
})
