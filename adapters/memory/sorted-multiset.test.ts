import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SortedMultiset } from './sorted-multiset.js'

/** What the multiset must answer: a plain array of the values it holds. */
const below = (values: readonly number[], bound: number): number => values.filter((v) => v < bound).length

describe('SortedMultiset (the memory store\'s registration counters)', () => {
  it('counts the values below any bound as a plain list does, through adds, removes, duplicates and chunk splits', () =>
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.record({ add: fc.integer({ min: 0, max: 60 }) }), fc.record({ remove: fc.integer({ min: 0, max: 60 }) })), { maxLength: 3000 }),
        fc.array(fc.integer({ min: -1, max: 62 }), { minLength: 1, maxLength: 8 }),
        (ops, bounds) => {
          const set = new SortedMultiset()
          const model: number[] = []
          for (const op of ops) {
            if ('add' in op) {
              set.add(op.add)
              model.push(op.add)
            } else {
              const i = model.indexOf(op.remove)
              expect(set.remove(op.remove)).toBe(i >= 0)
              if (i >= 0) model.splice(i, 1)
            }
          }
          expect(set.size).toBe(model.length)
          for (const bound of bounds) expect(set.countBelow(bound)).toBe(below(model, bound))
        },
      ),
      { numRuns: 200 },
    ))

  it('holds many equal values across chunks and removes them one at a time', () => {
    const set = new SortedMultiset()
    for (let i = 0; i < 3000; i++) set.add(7)
    for (let v = 0; v < 100; v++) set.add(v)
    expect(set.countBelow(8)).toBe(3008)
    expect(set.countBelow(7)).toBe(7)
    for (let i = 0; i < 3001; i++) expect(set.remove(7)).toBe(true)
    expect(set.remove(7)).toBe(false)
    expect(set.countBelow(8)).toBe(7)
    expect(set.size).toBe(99)
  })
})
