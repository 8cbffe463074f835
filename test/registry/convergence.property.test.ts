import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { apps, inputArb, numRuns, policiesArb, reorderedArb, toWire, users } from '../domain/arbitraries.js'
import { observe } from './observe.js'

const now = Date.parse('2026-01-02T00:00:00.000Z')
const appIds = apps.map((a) => a.appId as string)

describe('convergence through the registry (R20, I9)', () => {
  it('I9: any arrival order, one by one or in a batch, and duplicates give the same query answers', async () => {
    await fc.assert(
      fc.asyncProperty(reorderedArb(inputArb, 12), policiesArb, fc.boolean(), async ([list, permuted, duplicated], policy, oneByOne) => {
        const run = async (inputs: readonly unknown[], single: boolean): Promise<string> => {
          const registry = createRegistry({ apps, storage: createMemoryStorage(), clock: fixedClock(now), policy })
          if (single) for (const input of inputs) await registry.ingest(input)
          else await registry.ingest(inputs)
          return observe(registry, users, appIds)
        }
        const reference = await run(list.map(toWire), false)
        expect(await run(permuted.map(toWire), oneByOne)).toBe(reference)
        expect(await run(duplicated.map(toWire), !oneByOne)).toBe(reference)
      }),
      { numRuns },
    )
  })
})
