import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { expectAppIsolation } from './app-isolation.js'
import { harmlessAnswer, malformedInput, validInputs } from './arbitraries.js'
import { canonicalJson } from './canonical.js'
import { expectAllAccepted, interleave, outcomeOf } from './feed.js'
import { stateChecks } from './invariants.js'
import { invalidationsBetween } from './no-invalidation.js'
import type { ConformanceOptions, RunSettings } from './options.js'
import { lastWriterWins } from './snapshot.js'
import { kitApps } from './universe.js'

/** The apps' default policies: a 30-day reorder window (D14). */
const appDefaults: Readonly<Record<string, never>> = {}

const titles: Readonly<Record<string, string>> = {
  I1: 'I1: at most one active token per (app, device)',
  I2: 'I2: a token value is active in at most one registration per app',
  I3: 'I3: an active registration has one owner (null while the device is anonymous) in exclusive mode',
  I4: 'I4: the owner is the user of the latest login by at, whatever the arrival order',
  I5: 'I5: users are push registered for an app iff they own an active registration of it (segments, profiles, exports)',
  I6: 'I6: targets are active registrations with their current token, never ended, suspect or expired ones',
  I7: 'I7: each changelog is in at order and folds to what its user holds now',
}

/** I8 over random inputs: dropping the inputs of one app leaves the other apps as they were. */
export const appIsolationProperty = (options: ConformanceOptions) =>
  fc.asyncProperty(validInputs, fc.constantFrom(...kitApps), (inputs, app) => expectAppIsolation(options, inputs, app))

/**
 * Layer 2: the invariants of the spec (§3) as fast-check properties over random input lists
 * of the kit's universe, ingested by a registry on the adapter under test. A failure prints
 * fast-check's seed and the shrunk list of inputs; pass the seed back (`fc.seed` or `FC_SEED`)
 * to replay it.
 */
export const describeProperties = (options: ConformanceOptions, settings: RunSettings): void => {
  const check = <Ts extends [unknown, ...unknown[]]>(property: fc.IAsyncProperty<Ts>): Promise<void> => fc.assert(property, settings)

  describe('state invariants', () => {
    for (const [rule, invariant] of Object.entries(stateChecks)) {
      it(titles[rule] ?? rule, () =>
        check(
          fc.asyncProperty(validInputs, fc.constantFrom(1, 4, 1000), async (inputs, chunk) => {
            // The apps' default 30-day reorder window: the invariants hold on compacted history too (D14).
            const outcome = await outcomeOf(options, inputs, chunk, appDefaults)
            expectAllAccepted(outcome.reports)
            expect(invariant(outcome.snapshot, inputs)).toEqual([])
          }),
        ),
      )
    }
  })

  it('I8: inputs of one app never change the records of another', () => check(appIsolationProperty(options)))

  it('I9: any permutation of the inputs, with duplicates, fed in any batches, gives the same answers', () =>
    check(
      fc.asyncProperty(
        validInputs.chain((inputs) =>
          fc.tuple(
            fc.constant(inputs),
            fc.shuffledSubarray(inputs, { minLength: inputs.length, maxLength: inputs.length }),
            fc.subarray(inputs),
            fc.array(fc.nat(), { minLength: inputs.length, maxLength: inputs.length }),
          ),
        ),
        fc.constantFrom(1, 3, 1000),
        async ([inputs, permuted, duplicates, positions], chunk) => {
          const { items } = interleave(permuted, duplicates, positions)
          const once = await outcomeOf(options, inputs)
          const shuffled = await outcomeOf(options, items, chunk)
          expect(shuffled.snapshot).toEqual(once.snapshot)
        },
      ),
    ))

  it('D14: with the default reorder window, any arrival order gives the same last-writer-wins answers', () =>
    check(
      fc.asyncProperty(
        validInputs.chain((inputs) => fc.tuple(fc.constant(inputs), fc.shuffledSubarray(inputs, { minLength: inputs.length, maxLength: inputs.length }))),
        fc.constantFrom(1, 1000),
        async ([inputs, permuted], chunk) => {
          const once = await outcomeOf(options, inputs, 1000, appDefaults)
          const shuffled = await outcomeOf(options, permuted, chunk, appDefaults)
          expect(lastWriterWins(shuffled.snapshot)).toEqual(lastWriterWins(once.snapshot))
        },
      ),
    ))

  it('I10: credentials and payload answers never invalidate, however many arrive', () =>
    check(
      fc.asyncProperty(
        validInputs,
        fc.array(harmlessAnswer, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (inputs, answers, positions) => {
          const { items } = interleave(inputs, answers, positions)
          const base = await outcomeOf(options, inputs)
          const withAnswers = await outcomeOf(options, items)
          expectAllAccepted(withAnswers.reports)
          expect(invalidationsBetween(base.snapshot, withAnswers.snapshot)).toEqual([])
        },
      ),
    ))

  it('I11: rejected inputs are reported and change nothing', () =>
    check(
      fc.asyncProperty(
        validInputs,
        fc.array(malformedInput, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (inputs, malformed, positions) => {
          const { items, extraIndices } = interleave(inputs, malformed, positions)
          const base = await outcomeOf(options, inputs)
          const mixed = await outcomeOf(options, items)
          const [report] = mixed.reports
          expect(report?.rejected.map((r) => r.index)).toEqual(extraIndices)
          expect(report?.accepted).toBe(inputs.length)
          for (const rejection of report?.rejected ?? []) expect(rejection.issues.length).toBeGreaterThan(0)
          expect(canonicalJson(mixed.records)).toBe(canonicalJson(base.records))
          expect(mixed.snapshot).toEqual(base.snapshot)
        },
      ),
    ))
}
