import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AppId, DispatchId } from '../../src/domain/brand.js'
import type { DispatchEvidence } from '../../src/domain/dispatch-verdict.js'
import { ambiguousKeptPerDispatch, ambiguousVerdict, failedAlike, verdictChanges, withDispatchAnswer } from '../../src/domain/dispatch-verdict.js'
import type { DispatchRecord } from '../../src/domain/records.js'
import type { TokenKey } from '../../src/domain/token.js'

const empty: DispatchRecord = {
  kind: 'dispatch',
  appId: 'ios' as AppId,
  dispatchId: 'x1' as DispatchId,
  delivered: [],
  ambiguous: [],
  received: 0,
  opened: 0,
}

const key = (n: number): TokenKey => n.toString(16).padStart(8, '0') as TokenKey

type Answer = readonly [TokenKey, DispatchEvidence]

const fold = (answers: readonly Answer[], from: DispatchRecord = empty): DispatchRecord =>
  answers.reduce((dispatch, [k, evidence]) => withDispatchAnswer(dispatch, k, evidence), from)

const answerArb = (keys: number): fc.Arbitrary<Answer> =>
  fc.tuple(fc.integer({ min: 0, max: keys - 1 }).map(key), fc.constantFrom<DispatchEvidence>('ambiguous', 'ambiguous', 'delivered', 'dead'))

const thresholdArb = fc.constantFrom<number | null>(1, 2, 3, null)

describe('failedAlike (R18)', () => {
  const counts = { delivered: 0, dead: false, ambiguous: 2, credentials: false }
  it('R18: at least threshold ambiguous tokens, none delivered, none dead, is a credentials failure', () => {
    expect(failedAlike(counts, 2)).toBe(true)
    expect(failedAlike({ ...counts, ambiguous: 1 }, 2)).toBe(false)
    expect(failedAlike({ ...counts, ambiguous: 2 }, 3)).toBe(false)
  })
  it('R18: a delivery or a dead answer shows the credential working', () => {
    expect(failedAlike({ ...counts, delivered: 1 }, 2)).toBe(false)
    expect(failedAlike({ ...counts, dead: true }, 2)).toBe(false)
  })
  it('R18: a credentials answer blames the credential even for one ambiguous answer; null turns only the count off', () => {
    expect(failedAlike({ ...counts, ambiguous: 1, credentials: true }, 2)).toBe(true)
    expect(failedAlike({ ...counts, ambiguous: 9 }, null)).toBe(false)
    expect(failedAlike({ ...counts, ambiguous: 1, credentials: true }, null)).toBe(true)
    expect(failedAlike({ ...counts, ambiguous: 0, credentials: true }, 2)).toBe(false)
  })
})

describe('the dispatch record (R18, D6, D14)', () => {
  it('R20, I9: any order and any duplicates of a dispatch’s answers give the same record', () =>
    fc.assert(
      fc.property(
        fc.array(answerArb(12), { maxLength: 30 }).chain((answers) =>
          fc.tuple(fc.constant(answers), fc.shuffledSubarray(answers, { minLength: answers.length, maxLength: answers.length }), fc.subarray(answers)),
        ),
        ([answers, shuffled, duplicates]) => {
          expect(fold([...shuffled, ...duplicates])).toEqual(fold(answers))
        },
      ),
    ))

  it('D14: the record stays bounded however many tokens answer: the smallest ambiguous and delivered keys, whatever the order', () => {
    const n = ambiguousKeptPerDispatch + 200
    const keys = Array.from({ length: n }, (_, i) => key(i))
    const answers: Answer[] = keys.flatMap((k, i) => [[k, 'ambiguous'], ...(i % 3 === 0 ? [[k, 'delivered'] as Answer] : [])])
    const forwards = fold(answers)
    const backwards = fold([...answers].reverse())
    expect(backwards).toEqual(forwards)
    expect(forwards.ambiguous).toEqual(keys.slice(0, ambiguousKeptPerDispatch))
    expect(forwards.delivered).toEqual([key(0), key(3)])
  })

  it('R18, D6: an answer that changes nothing returns the same record', () => {
    const once = fold([[key(1), 'ambiguous'], [key(2), 'delivered'], [key(3), 'dead']])
    for (const evidence of ['ambiguous', 'delivered', 'dead'] as const) expect(withDispatchAnswer(once, key(evidence === 'ambiguous' ? 1 : 2), evidence)).toBe(once)
    expect(withDispatchAnswer(once, key(9), 'dead')).toBe(once)
  })
})

describe('ambiguousVerdict (R18, D6)', () => {
  it('R18: every token of a dispatch ambiguous, none delivered: no token’s answer is evidence', () => {
    const dispatch = fold([[key(1), 'ambiguous'], [key(2), 'ambiguous']])
    expect([key(1), key(2)].map((k) => ambiguousVerdict(dispatch, k, 2))).toEqual(['ignored', 'ignored'])
  })
  it('R18, D6: the same with one delivered: the ambiguous ones are confirmed', () => {
    const dispatch = fold([[key(1), 'ambiguous'], [key(2), 'ambiguous'], [key(3), 'delivered']])
    expect([key(1), key(2)].map((k) => ambiguousVerdict(dispatch, k, 2))).toEqual(['confirmed', 'confirmed'])
  })
  it('R18: a single ambiguous answer alone is suspect; so is an answer without a dispatch record', () => {
    expect(ambiguousVerdict(fold([[key(1), 'ambiguous']]), key(1), 2)).toBe('suspect')
    expect(ambiguousVerdict(undefined, key(1), 2)).toBe('suspect')
  })
  it('D6: a token’s own delivery does not confirm its own ambiguous answer', () => {
    expect(ambiguousVerdict(fold([[key(1), 'ambiguous'], [key(1), 'delivered']]), key(1), 2)).toBe('suspect')
    expect(ambiguousVerdict(fold([[key(1), 'ambiguous'], [key(1), 'delivered'], [key(2), 'delivered']]), key(1), 2)).toBe('confirmed')
  })
  it('R18, D14: tokens beyond those the record names are no evidence, delivered or not (plain suspects when the count rule is off)', () => {
    const keys = Array.from({ length: ambiguousKeptPerDispatch + 1 }, (_, i) => key(i))
    const last = keys[keys.length - 1] as TokenKey
    const alike = fold(keys.map((k): Answer => [k, 'ambiguous']))
    const confirmed = withDispatchAnswer(alike, key(1 << 30), 'delivered')
    expect(ambiguousVerdict(alike, key(0), 2)).toBe('ignored')
    expect(ambiguousVerdict(confirmed, key(0), 2)).toBe('confirmed')
    expect(ambiguousVerdict(alike, last, 2)).toBe('ignored')
    expect(ambiguousVerdict(confirmed, last, 2)).toBe('ignored')
    expect(ambiguousVerdict(confirmed, last, null)).toBe('suspect')
    // The delivery re-projects exactly the tokens the record names.
    expect(verdictChanges(alike, confirmed, key(1 << 30), 2)).toEqual(keys.slice(0, ambiguousKeptPerDispatch))
  })
})

describe('verdictChanges (R18, D6, I9)', () => {
  it('I9: after any answer, every other token whose verdict changed is among those to re-project', () =>
    fc.assert(
      fc.property(fc.array(answerArb(6), { minLength: 1, maxLength: 20 }), thresholdArb, (answers, threshold) => {
        let dispatch = empty
        for (const [k, evidence] of answers) {
          const next = withDispatchAnswer(dispatch, k, evidence)
          const changes = new Set(verdictChanges(dispatch, next, k, threshold))
          for (let i = 0; i < 6; i++) {
            const other = key(i)
            if (other === k || !dispatch.ambiguous.includes(other)) continue
            const changed = ambiguousVerdict(dispatch, other, threshold) !== ambiguousVerdict(next, other, threshold)
            expect(changes.has(other), `${other} after ${k} ${evidence}`).toBe(changed)
          }
          dispatch = next
        }
      }),
    ))

  it('I9, D14: a token pushed out of a full record is re-projected, and only it', () => {
    const keys = Array.from({ length: ambiguousKeptPerDispatch }, (_, i) => key(i + 1))
    const full = fold([...keys.map((k): Answer => [k, 'ambiguous']), [key(1 << 30), 'delivered']])
    const pushed = withDispatchAnswer(full, key(0), 'ambiguous')
    expect(pushed.ambiguous).toHaveLength(ambiguousKeptPerDispatch)
    expect(verdictChanges(full, pushed, key(0), 2)).toEqual([keys[keys.length - 1]])
  })
})
