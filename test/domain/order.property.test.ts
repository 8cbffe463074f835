import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Input } from 'push-registry'
import { canonicalKey, compareInputs, sameCanonical } from '../../src/domain/order.js'
import { inputArb, numRuns } from './arbitraries.js'

/** The same input with its keys in reverse order: same content, another object. */
const reordered = (input: Input): Input => Object.fromEntries(Object.entries(input).reverse()) as unknown as Input

/** Pairs that are often equal, so that the "equal iff" half is exercised. */
const pairArb = fc.oneof(fc.tuple(inputArb, inputArb), inputArb.map((a) => [a, reordered(a)] as const))
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0)

describe('compareInputs is a total order (R20)', () => {
  it('R20: antisymmetric, and equal exactly when the canonical content is equal', () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        expect(sign(compareInputs(a, b)) + sign(compareInputs(b, a))).toBe(0)
        expect(compareInputs(a, b) === 0).toBe(canonicalKey(a) === canonicalKey(b))
        expect(compareInputs(a, a)).toBe(0)
      }),
      { numRuns },
    )
  })

  it('R20: transitive', () => {
    fc.assert(
      fc.property(inputArb, inputArb, inputArb, (a, b, c) => {
        const [x, y, z] = [a, b, c].sort(compareInputs) as [Input, Input, Input]
        expect(compareInputs(x, y)).toBeLessThanOrEqual(0)
        expect(compareInputs(y, z)).toBeLessThanOrEqual(0)
        expect(compareInputs(x, z)).toBeLessThanOrEqual(0)
      }),
      { numRuns },
    )
  })

  it('R20: sorting gives one sequence whatever the arrival order', () => {
    fc.assert(
      fc.property(fc.array(inputArb, { maxLength: 12 }).chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))), ([list, permuted]) => {
        expect([...permuted].sort(compareInputs).map(canonicalKey)).toEqual([...list].sort(compareInputs).map(canonicalKey))
      }),
      { numRuns },
    )
  })

  it('R20: time comes first', () => {
    fc.assert(
      fc.property(inputArb, inputArb, (a, b) => {
        fc.pre(a.at !== b.at)
        expect(sign(compareInputs(a, b))).toBe(a.at < b.at ? -1 : 1)
      }),
      { numRuns },
    )
  })
})

describe('sameCanonical is canonical-JSON equality without building it', () => {
  /** JSON-like values with the awkward parts canonical JSON treats specially: undefined, null, non-finite numbers, key order. */
  const valueArb = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom(null, undefined, 0, -0, 1, NaN, Infinity, '', 'a', '1', true, false),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('a', 'b', 'at', 'c'), tie('value'), { maxKeys: 3 }),
    ),
  })).value
  /** The same value rebuilt with keys in reverse order at every depth. */
  const rebuilt = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(rebuilt) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, rebuilt(x)])) : v
  const withoutAt = (v: unknown): unknown => (v !== null && typeof v === 'object' && !Array.isArray(v) ? { ...v, at: undefined } : v)

  it('R20: agrees with comparing canonicalKey, with and without a key left out', () => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(valueArb, valueArb), valueArb.map((a) => [a, rebuilt(a)] as const), inputArb.map((a) => [a, reordered(a)] as const), fc.tuple(inputArb, inputArb)), ([a, b]) => {
        expect(sameCanonical(a, b)).toBe(canonicalKey(a) === canonicalKey(b))
        expect(sameCanonical(a, b, ['at'])).toBe(canonicalKey(withoutAt(a)) === canonicalKey(withoutAt(b)))
      }),
      { numRuns },
    )
  })
})
