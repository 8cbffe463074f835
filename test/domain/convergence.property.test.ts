import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { DeviceFact, Input } from 'push-registry'
import { resolvePolicy } from 'push-registry'
import { compareInputs, insertSorted } from '../../src/domain/order.js'
import { foldRegistration } from '../../src/domain/registration-fold.js'
import { applyAll, apps, catalogOf, inputArb, numRuns, policiesArb, reorderedArb, stateKey } from './arbitraries.js'

const isDeviceFact = (input: Input): input is DeviceFact =>
  ['session_started', 'token_reported', 'prompt_answered', 'user_changed', 'logged_out', 'uninstalled'].includes(input.type)

describe('convergence of the pure core (R20, I9)', () => {
  it('I9, R20: decide over a world gives the same records for any permutation of the inputs and with duplicates', () => {
    fc.assert(
      fc.property(reorderedArb(inputArb, 14), policiesArb, ([list, permuted, duplicated], policies) => {
        const catalog = catalogOf(policies)
        const reference = stateKey(applyAll(list, catalog))
        expect(stateKey(applyAll(permuted, catalog))).toBe(reference)
        expect(stateKey(applyAll(duplicated, catalog))).toBe(reference)
      }),
      { numRuns },
    )
  })

  it('I9, R20: foldRegistration of one device’s facts is the same for any arrival order and with duplicates', () => {
    const ios = apps[0]
    if (ios === undefined) throw new Error('no iOS app in the universe')
    const deviceFacts = inputArb
      .filter(isDeviceFact)
      .map((fact) => ({ ...fact, appId: ios.appId, deviceId: 'd1' }) as DeviceFact)
    fc.assert(
      fc.property(reorderedArb(deviceFacts, 12), fc.constantFrom('exclusive' as const, 'shared' as const), ([list, permuted, duplicated], ownership) => {
        const policy = resolvePolicy(ios, { ownership })
        const fold = (facts: readonly DeviceFact[]) => {
          // The registration record keeps its facts sorted by the R20 order, without duplicates.
          const sorted = facts.reduce<readonly DeviceFact[]>((acc, f) => insertSorted(acc, f, compareInputs), [])
          return foldRegistration(sorted, { appId: ios.appId, deviceId: 'd1' as DeviceFact['deviceId'], platform: 'ios', policy, tokens: () => undefined, dispatch: () => undefined })
        }
        const reference = fold(list)
        expect(fold(permuted)).toEqual(reference)
        expect(fold(duplicated)).toEqual(reference)
      }),
      { numRuns },
    )
  })
})
