import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AppId, DeviceId, Input, Instant, RegistrationRecord, RegistryRecord, TokenKey, TokenRecord } from 'push-registry'
import { recordId } from 'push-registry'
import { boundedToken, claimantAt, claimsKept, compareClaims, orderedClaims, withClaim } from '../../src/domain/claims.js'
import { canonicalKey } from '../../src/domain/order.js'
import { projectRegistration } from '../../src/domain/project.js'
import { reads } from '../../src/domain/world.js'
import { applyAll, apps, catalogOf, numRuns, reorderedArb, stateKey } from './arbitraries.js'

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
      .tuple(instantArb, fc.constantFrom(...tokens), fc.constantFrom('dead', 'stamped', 'ambiguous', 'delivered'), fc.option(fc.constantFrom('x1', 'x2', 'x3'), { nil: undefined }), instantArb)
      .map(([at, token, kind, dispatchId, stamp]) => ({
        type: 'provider_answer',
        at,
        appId: 'ios',
        token,
        provider: 'apns',
        ...(kind === 'dead' ? { status: 410, reason: 'ExpiredToken' } : {}),
        ...(kind === 'stamped' ? { status: 410, reason: 'Unregistered', timestamp: stamp } : {}),
        ...(kind === 'ambiguous' ? { status: 400, reason: 'BadDeviceToken' } : {}),
        ...(kind === 'delivered' ? { status: 200 } : {}),
        ...(dispatchId === undefined ? {} : { dispatchId }),
      }) as unknown as Input),
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

describe('claimsKept (D14)', () => {
  const claimsArb = fc.array(fc.record({ device: fc.integer({ min: 0, max: 150 }), at: fc.integer({ min: 0, max: 400 }) }), { maxLength: 400 })

  it(`D14, I9: a token record keeps the latest ${claimsKept} claims of the set of every device's latest report, in any order and with duplicates`, () => {
    fc.assert(
      fc.property(claimsArb, fc.integer(), (claims, seed) => {
        const apply = (list: readonly { device: number; at: number }[]) =>
          list.reduce((record, c) => withClaim(record, `d${c.device}` as DeviceId, c.at as Instant), emptyTokenRecord)
        const latest = new Map<number, number>()
        for (const c of claims) latest.set(c.device, Math.max(latest.get(c.device) ?? -1, c.at))
        const expected = [...latest].map(([device, at]) => ({ deviceId: `d${device}` as DeviceId, at: at as Instant })).sort(compareClaims).slice(-claimsKept)
        const shuffled = fc.sample(fc.shuffledSubarray([...claims, ...claims.slice(0, seed & 31)], { minLength: claims.length + Math.min(claims.length, seed & 31), maxLength: claims.length + Math.min(claims.length, seed & 31) }), { numRuns: 1, seed })[0] ?? []
        expect(apply(claims).claims).toEqual(expected)
        expect(apply(shuffled).claims).toEqual(expected)
      }),
      { numRuns },
    )
  })

  it('D14: a record written by an earlier release (claims sorted by device id, unbounded) is read in R3 order and written back bounded', () => {
    const legacy = { ...emptyTokenRecord, claims: Array.from({ length: 200 }, (_, i) => ({ deviceId: `d${String(i).padStart(3, '0')}` as DeviceId, at: ((i * 7919) % 1000) as Instant })) }
    const claims = orderedClaims(legacy)
    expect(claims.map((c) => c.at)).toEqual([...legacy.claims.map((c) => c.at)].sort((a, b) => a - b))
    expect(claimantAt(legacy, 999 as Instant)).toEqual(claims.at(-1))
    expect(boundedToken(legacy).claims).toEqual(claims.slice(-claimsKept))
  })
})
