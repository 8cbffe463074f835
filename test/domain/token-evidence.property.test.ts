import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Input, Instant, ProviderAnswer, RegistrationRecord, RegistryRecord, TokenRecord } from 'push-registry'
import { recordId } from 'push-registry'
import { classifyAnswer, deadEvidenceAt } from '../../src/domain/answer.js'
import { canonicalKey } from '../../src/domain/order.js'
import { projectRegistration, registrationChangelog } from '../../src/domain/project.js'
import { evidenceTail } from '../../src/domain/token-evidence.js'
import { tokenKey } from '../../src/domain/token.js'
import type { Reads } from '../../src/domain/world.js'
import { reads } from '../../src/domain/world.js'
import type { ApnsEvidence } from './arbitraries.js'
import { apnsAnswer, applyAll, apps, catalogOf, numRuns } from './arbitraries.js'

/**
 * D14, R17, R18, I9: the bounded token evidence (`token-evidence.ts`) against an unbounded
 * reference: the same registrations folded with every answer the inputs hold. Many answers per
 * token, so that the bound drops some, arriving in random orders with duplicates.
 */

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const minute = 60_000
// A few hours: everything is inside the 30-day reorder window.
const timeArb = fc.integer({ min: 0, max: 240 }).map((k) => t0 + k * minute)
const tokens = ['a1'.repeat(32), 'b2'.repeat(32)] as const
// Each token its own dispatches: a dispatch's verdict on a token then never changes after the fact
// (see "Known limits" in docs/architecture.md for the one that can).
const dispatchesOf = { [tokens[0]]: ['p1', 'p2', 'p3', 'p4'], [tokens[1]]: ['q1', 'q2', 'q3', 'q4'] } as const

const factArb: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(timeArb, fc.constantFrom('d1', 'd2', 'd3'), fc.option(fc.constantFrom(...tokens), { nil: undefined, freq: 6 }), fc.option(fc.constantFrom('u1', 'u2'), { nil: undefined }))
      .map(([at, deviceId, token, userId]) => ({
        type: 'session_started',
        at,
        appId: 'ios',
        deviceId,
        permission: 'granted',
        ...(token === undefined ? {} : { token }),
        ...(userId === undefined ? {} : { userId }),
      })),
  },
  { weight: 1, arbitrary: fc.tuple(timeArb, fc.constantFrom('d1', 'd2', 'd3'), fc.constantFrom('u1', 'u2')).map(([at, deviceId, userId]) => ({ type: 'user_changed', at, appId: 'ios', deviceId, userId })) },
  { weight: 1, arbitrary: fc.tuple(timeArb, fc.constantFrom('d1', 'd2', 'd3')).map(([at, deviceId]) => ({ type: 'uninstalled', at, appId: 'ios', deviceId })) },
) as fc.Arbitrary<Input>

// Answers mostly about one token and mostly after the reports, as a token answered at every send.
const answerTimeArb = fc.oneof({ weight: 1, arbitrary: timeArb }, { weight: 3, arbitrary: fc.integer({ min: 150, max: 240 }).map((k) => t0 + k * minute) })
const answerArb: fc.Arbitrary<Input> = fc
  .tuple(answerTimeArb, fc.oneof({ weight: 4, arbitrary: fc.constant(tokens[0]) }, { weight: 1, arbitrary: fc.constant(tokens[1]) }), fc.constantFrom<ApnsEvidence>('dead', 'stamped', 'ambiguous', 'ambiguous', 'ambiguous', 'ambiguous', 'delivered', 'delivered', 'delivered'), fc.nat(4), timeArb)
  .map(([at, token, kind, d, stamp]) => apnsAnswer({ at, token, kind, dispatchId: d === 4 ? undefined : (dispatchesOf[token] as readonly string[])[d], stamp }))

/** When an input lands on the token's timeline: a fact at its `at`, an answer at its evidence time (R17). */
const timeOf = (input: Input): number => (input.type === 'provider_answer' ? deadEvidenceAt(input) : input.at)

/**
 * An arrival order: device facts in any order; dead answers in any order among the answers;
 * ambiguous and delivered answers in the order of their times (ties in any order, each tie
 * its own draw of the shuffle); every answer after the device facts at or before its evidence
 * time; duplicates anywhere after the input they repeat. The orders the bound keeps exact:
 * docs/architecture.md, "Bounded token evidence".
 */
const arrivalArb = (facts: readonly Input[], answers: readonly Input[]) =>
  fc
    .tuple(
      fc.shuffledSubarray([...facts], { minLength: facts.length, maxLength: facts.length }),
      fc.shuffledSubarray([...answers], { minLength: answers.length, maxLength: answers.length }),
      fc.array(fc.nat(), { minLength: answers.length, maxLength: answers.length }),
      fc.subarray([...facts, ...answers], { maxLength: Math.min(12, facts.length + answers.length) }),
      fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    )
    .map(([order, shuffled, slots, extra, places]) => {
      const isDeath = (input: Input) => input.type === 'provider_answer' && classifyAnswer(input).class === 'dead'
      // The others keep their time order (a stable sort of the shuffle keeps ties shuffled).
      const others = shuffled.filter((a) => !isDeath(a)).sort((a, b) => a.at - b.at)
      const deaths = shuffled.filter(isDeath)
      const earliestSlot = (answer: Input) => order.reduce((last, fact, index) => (fact.at <= timeOf(answer) ? index + 1 : last), 0)
      const buckets: Input[][] = Array.from({ length: order.length + 1 }, () => [])
      let floor = 0
      others.forEach((answer, i) => {
        const earliest = Math.max(floor, earliestSlot(answer))
        floor = earliest + ((slots[i] as number) % (order.length + 1 - earliest))
        ;(buckets[floor] as Input[]).push(answer)
      })
      deaths.forEach((answer, i) => {
        const earliest = earliestSlot(answer)
        const draw = slots[others.length + i] as number
        const bucket = buckets[earliest + (draw % (order.length + 1 - earliest))] as Input[]
        bucket.splice(draw % (bucket.length + 1), 0, answer)
      })
      const list: Input[] = [...(buckets[0] as Input[])]
      order.forEach((fact, i) => list.push(fact, ...(buckets[i + 1] as Input[])))
      // Duplicates change nothing wherever they land after the input they repeat (I9).
      extra.forEach((input, i) => {
        const after = list.indexOf(input) + 1
        list.splice(after + ((places[i] as number) % (list.length - after + 1)), 0, input)
      })
      return list
    })

const scenarioArb = fc
  .tuple(fc.array(factArb, { minLength: 1, maxLength: 10 }), fc.array(answerArb, { minLength: 20, maxLength: 80 }), fc.integer({ min: 1, max: 3 }))
  .chain(([facts, answers, suspectConfirmations]) => fc.tuple(fc.constant(suspectConfirmations), arrivalArb(facts, answers)))

const byTime = (a: number, b: number): number => a - b
const sortedUnique = (times: readonly number[]): Instant[] => [...new Set(times)].sort(byTime) as Instant[]

/** Every answer the inputs hold about each token, as the record would hold them with no bound. */
const unboundedTokens = (store: ReadonlyMap<string, RegistryRecord>, inputs: readonly Input[]): Map<string, TokenRecord> => {
  const result = new Map<string, TokenRecord>()
  for (const record of store.values()) {
    if (record.kind !== 'token') continue
    const answers = inputs.filter((i): i is ProviderAnswer => i.type === 'provider_answer' && tokenKey(i.token) === record.key)
    const classOf = (a: ProviderAnswer) => classifyAnswer(a).class
    const ambiguous = [...new Map(answers.filter((a) => classOf(a) === 'ambiguous').map((a) => [`${a.at}/${a.dispatchId ?? ''}`, { at: a.at, dispatchId: a.dispatchId ?? null }])).values()].sort(
      (x, y) => x.at - y.at || ((x.dispatchId ?? '') < (y.dispatchId ?? '') ? -1 : (x.dispatchId ?? '') > (y.dispatchId ?? '') ? 1 : 0),
    )
    result.set(recordId(record), {
      ...record,
      deaths: sortedUnique(answers.filter((a) => classOf(a) === 'dead').map(deadEvidenceAt)),
      ambiguous,
      deliveries: sortedUnique(answers.filter((a) => classOf(a) === 'delivered').map((a) => a.at)),
    })
  }
  return result
}

const now = (t0 + 300 * minute) as Instant

/** How many reports of the token the stored registrations keep (each may cut a stretch). */
const reportsOfToken = (store: ReadonlyMap<string, RegistryRecord>, key: string): number =>
  [...store.values()].reduce(
    (n, r) => n + (r.kind === 'registration' ? r.facts.filter((f) => (f.type === 'session_started' || f.type === 'token_reported') && f.token !== undefined && tokenKey(f.token) === key).length : 0),
    0,
  )

/** What a registration answers: its view and its window's changelog (R9, I7), folded over `read`. */
const answersOf = (registration: RegistrationRecord, read: Reads, suspectConfirmations: number) => {
  const catalog = catalogOf({ ios: { suspectConfirmations } })
  const app = apps[0] as (typeof apps)[number]
  const policy = catalog.policy(registration.appId)
  return canonicalKey({
    view: projectRegistration(registration, registration.facts, app, policy, read),
    changelog: registrationChangelog(registration, app, policy, read, now),
  })
}

describe('bounded token evidence against every answer (D14, R17, R18, I9)', () => {
  it('R17, R18, D14, I9: registrations, targets and the window changelog are what the unbounded evidence gives, in random orders with duplicates', () => {
    let compacted = 0
    fc.assert(
      fc.property(scenarioArb, ([suspectConfirmations, inputs]) => {
        let dropped = false
        const catalog = catalogOf({ ios: { suspectConfirmations } })
        const store = applyAll(inputs, catalog)
        const reference = unboundedTokens(store, inputs)
        const bounded = reads({ get: (key) => store.get(recordId(key)) })
        const unbounded = reads({ get: (key) => reference.get(recordId(key)) ?? store.get(recordId(key)) })
        for (const record of store.values()) {
          if (record.kind === 'token') {
            const full = reference.get(recordId(record)) as TokenRecord
            if (full.deaths.length + full.ambiguous.length + full.deliveries.length > record.deaths.length + record.ambiguous.length + record.deliveries.length) dropped = true
            // The bound, per stretch between two reports of the token: six deaths, the killing
            // quarantine and the latest few (each at most `suspectConfirmations` answers, R18, D6),
            // the latest answers, and a delivery per kept answer plus the latest few.
            const stretches = 2 + record.claims.length + reportsOfToken(store, record.key)
            expect(record.deaths.length).toBeLessThanOrEqual(stretches * (1 + evidenceTail))
            expect(record.ambiguous.length).toBeLessThanOrEqual(stretches * ((evidenceTail + 1) * suspectConfirmations + evidenceTail))
            expect(record.deliveries.length).toBeLessThanOrEqual(stretches * evidenceTail + record.ambiguous.length)
          }
          if (record.kind !== 'registration') continue
          const expected = answersOf(record, unbounded, suspectConfirmations)
          expect(answersOf(record, bounded, suspectConfirmations)).toBe(expected)
          // The stored view (what registrations, targets and segments read) too.
          expect(canonicalKey({ view: record.view })).toBe(canonicalKey({ view: JSON.parse(expected).view }))
        }
        if (dropped) compacted++
      }),
      { numRuns },
    )
    // The property is about dropped answers: make sure it saw many.
    expect(compacted).toBeGreaterThan(numRuns / 2)
  })
})
