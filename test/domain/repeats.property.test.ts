import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AppId, DeviceFact, DeviceId, Instant, TokenKey, TokenRecord } from 'push-registry'
import { compactBefore } from '../../src/domain/compaction.js'
import { compareInputs } from '../../src/domain/order.js'
import { resolvePolicy } from '../../src/domain/policy.js'
import type { FoldContext } from '../../src/domain/registration-fold.js'
import { foldRegistration } from '../../src/domain/registration-fold.js'
import { everyOccurrence, keptFactsOf, occurrences, occurrencesKept, sameExceptTimes, withOccurrence } from '../../src/domain/repeats.js'
import { numRuns } from './arbitraries.js'

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const hour = 3_600_000
const tokens = ['a1'.repeat(32), 'b2'.repeat(32)] as const
const instantArb = fc.integer({ min: 0, max: 20 }).map((k) => (t0 + k * hour) as Instant)
const on = { appId: 'ios' as AppId, deviceId: 'd1' as DeviceId }

/** One device's facts from a small alphabet. */
const anyFactArb: fc.Arbitrary<DeviceFact> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(instantArb, fc.option(fc.constantFrom(...tokens), { nil: undefined }), fc.constantFrom('granted', 'denied'), fc.option(fc.constantFrom('u1', 'u2'), { nil: undefined }))
      .map(([at, token, permission, userId]) => ({
        type: 'session_started',
        at,
        ...on,
        permission,
        ...(token === undefined ? {} : { token }),
        ...(userId === undefined ? {} : { userId }),
      }) as unknown as DeviceFact),
  },
  { weight: 1, arbitrary: fc.tuple(instantArb, fc.constantFrom('u1', 'u2')).map(([at, userId]) => ({ type: 'user_changed', at, ...on, userId }) as unknown as DeviceFact) },
  { weight: 1, arbitrary: instantArb.map((at) => ({ type: 'prompt_answered', at, ...on, result: 'granted' }) as unknown as DeviceFact) },
  { weight: 1, arbitrary: instantArb.map((at) => ({ type: 'uninstalled', at, ...on }) as DeviceFact) },
)

/** Mostly a few contents, so that most facts repeat one another, with gaps of every length. */
const factArb: fc.Arbitrary<DeviceFact> = fc.oneof(
  { weight: 1, arbitrary: anyFactArb },
  {
    weight: 2,
    arbitrary: fc
      .tuple(instantArb, fc.constantFrom<Record<string, unknown>>(
        { type: 'session_started', permission: 'granted', token: tokens[0], userId: 'u1' },
        { type: 'session_started', permission: 'granted', token: tokens[0] },
        { type: 'token_reported', permission: 'denied', token: tokens[1] },
        { type: 'prompt_answered', result: 'granted' },
      ))
      .map(([at, content]) => ({ ...content, at, ...on }) as unknown as DeviceFact),
  },
)

const timesArb = fc.uniqueArray(instantArb, { maxLength: 4 }).map((times) => [...times].sort((a, b) => a - b))

/** What other devices and providers say about a token, placed on the device's timeline. */
const tokenRecordArb = (token: string): fc.Arbitrary<TokenRecord> =>
  fc.record({ claims: timesArb, deaths: timesArb, ambiguous: timesArb, deliveries: timesArb }).map(({ claims, deaths, ambiguous, deliveries }) => ({
    kind: 'token',
    appId: on.appId,
    key: token as TokenKey,
    // Devices on both sides of d1, for R3's tie-break at equal times.
    claims: claims.map((at, i) => ({ deviceId: (i % 2 === 0 ? 'd2' : 'd0') as DeviceId, at })),
    deaths,
    ambiguous: ambiguous.map((at) => ({ at, dispatchId: null })),
    deliveries,
  }))

const app = { appId: on.appId, name: 'MyApp (iOS)', platform: 'ios' as const }

const contextArb: fc.Arbitrary<FoldContext> = fc
  .tuple(tokenRecordArb(tokens[0]), tokenRecordArb(tokens[1]), fc.option(instantArb, { nil: undefined }), fc.constantFrom(null, hour, 2 * hour, 5 * hour), fc.constantFrom(1, 2))
  .map(([a, b, now, expireAfter, suspectConfirmations]) => ({
    ...on,
    platform: 'ios',
    policy: resolvePolicy(app, { expireAfter, suspectConfirmations }),
    tokens: (key) => (key === a.key ? a : key === b.key ? b : undefined),
    dispatch: () => undefined,
    ...(now === undefined ? {} : { now: (now + 10 * hour) as Instant }),
  }))

/** The plain facts, sorted (R20) and without duplicates: what a registration without joined repeats would hold. */
const sortedUnique = (facts: readonly DeviceFact[]): DeviceFact[] =>
  [...facts].sort(compareInputs).filter((fact, i, all) => i === 0 || compareInputs(all[i - 1] as DeviceFact, fact) !== 0)

describe('repeats kept as one fact (D14)', () => {
  it('D14, I9: kept facts depend only on the set of occurrences, in any order and with duplicates, and give every occurrence back', () => {
    fc.assert(
      fc.property(
        fc.array(factArb, { maxLength: 40 }).chain((facts) => fc.tuple(fc.constant(facts), fc.shuffledSubarray([...facts, ...facts.slice(0, 5)], { minLength: facts.length + Math.min(5, facts.length) }))),
        ([facts, arrival]) => {
          const expected = keptFactsOf(facts)
          const kept = arrival.reduce<readonly DeviceFact[]>((acc, fact) => withOccurrence(acc, fact), [])
          expect(kept).toEqual(expected)
          expect(everyOccurrence(kept)).toEqual(sortedUnique(facts))
          // No two neighbours repeat each other: a repeat always joins the fact it repeats.
          for (let i = 1; i < kept.length; i++) expect(sameExceptTimes(kept[i - 1] as DeviceFact, kept[i] as DeviceFact)).toBe(false)
        },
      ),
      { numRuns },
    )
  })

  it('D14, R3, R17–R19: folding the occurrences that matter gives what folding every occurrence gives (view, changelog, opt-ins)', () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 40 }), contextArb, (facts, ctx) => {
        const kept = keptFactsOf(facts)
        expect(foldRegistration(kept, ctx)).toEqual(foldRegistration(everyOccurrence(kept), ctx))
      }),
      { numRuns: numRuns * 20 },
    )
  })

  it('D14: compacting before the horizon treats joined repeats as the occurrences they stand for', () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 40 }), instantArb, (facts, horizon) => {
        expect(compactBefore(keptFactsOf(facts), horizon)).toEqual(compactBefore(sortedUnique(facts), horizon))
      }),
      { numRuns: numRuns * 5 },
    )
  })

  it('R3, D14: a claim at the time of a repeat inside a run sees that repeat (equal times go to the greater device id)', () => {
    const session = (k: number): DeviceFact => ({ type: 'session_started', at: (t0 + k * hour) as Instant, ...on, permission: 'granted', token: tokens[0] }) as unknown as DeviceFact
    const kept = keptFactsOf([0, 1, 2, 3].map(session))
    const claimed: TokenRecord = { kind: 'token', appId: on.appId, key: tokens[0] as TokenKey, claims: [{ deviceId: 'd0' as DeviceId, at: (t0 + 2 * hour) as Instant }], deaths: [], ambiguous: [], deliveries: [] }
    const ctx: FoldContext = { ...on, platform: 'ios', policy: resolvePolicy(app), tokens: (key) => (key === claimed.key ? claimed : undefined), dispatch: () => undefined }
    const folded = foldRegistration(kept, ctx)
    expect(folded.changelog.map((e) => e.kind)).toEqual(['registered'])
    expect(folded).toEqual(foldRegistration(everyOccurrence(kept), ctx))
  })

  it(`D14: a fact keeps at most ${occurrencesKept} occurrences, its first and its latest`, () => {
    const session = (k: number): DeviceFact => ({ type: 'session_started', at: (t0 + k * 60_000) as Instant, ...on, permission: 'granted', token: tokens[0] }) as unknown as DeviceFact
    const kept = Array.from({ length: 3000 }, (_, k) => session(k)).reduce<readonly DeviceFact[]>((acc, fact) => withOccurrence(acc, fact), [])
    expect(kept).toHaveLength(1)
    const times = occurrences(kept[0] as DeviceFact)
    expect(times).toHaveLength(occurrencesKept)
    expect(times[0]).toBe(t0)
    expect(times[1]).toBe(t0 + (3000 - occurrencesKept + 1) * 60_000)
    expect(times.at(-1)).toBe(t0 + 2999 * 60_000)
  })
})
