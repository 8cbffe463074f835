import { describe } from 'vitest'
import { describeChangeFeedContract } from './change-feed-contract.js'
import { describeChangeFeedProperties } from './change-feed-properties.js'
import { describeContract } from './contract-tests.js'
import { describeDeleteContract } from './delete-contract.js'
import { describeErasureProperties } from './erasure-properties.js'
import { describeHealthQueries } from './health-queries.js'
import { describeIndexQueries } from './index-queries.js'
import { describeProperties } from './invariant-properties.js'
import { describeUserLinksProperties } from './user-links-properties.js'
import { describeModel } from './model-run.js'
import { describeReadChecksContract, describeReadChecksProperties } from './read-checks-contract.js'
import type { ConformanceGroup, ConformanceOptions } from './options.js'
import { runSettings } from './options.js'

/**
 * Certifies a storage adapter: declares, in the calling vitest file, the kit's three groups of
 * tests against fresh stores from `options.create`.
 *
 * - `contract`: examples of every `StoragePort` method, per the contract in the port's TSDoc
 *   (deletions, read checks for a store with `checksReads`, the change feed, the index queries
 *   and the token-health queries included; the queries are answered by the registry's scan
 *   fallbacks when the adapter has none).
 * - `properties`: the invariants I1–I11 as fast-check properties over random inputs ingested
 *   by a registry on the adapter (200 runs each by default), commits with read checks against
 *   the reference storage, and the index queries' answers equal to a scan and fold of the same
 *   records.
 * - `model`: a model-based run comparing a registry on the adapter with one on the kit's
 *   reference storage, and registries racing on one store of the adapter.
 *
 * Each group can be skipped with `skip`, or run alone with vitest's `-t` filter
 * (`npx vitest run -t "contract"`). A failing property prints fast-check's seed and shrunk
 * counterexample; `fc: { seed }` or the `FC_SEED` environment variable replays it, and
 * `FC_RUNS` raises the number of runs.
 *
 * @example
 * ```ts
 * // my-storage.test.ts
 * import { describeStorageConformance } from 'push-registry/testing'
 * import { createMyStorage } from './my-storage.js'
 *
 * describeStorageConformance({
 *   name: 'my-storage',
 *   create: async () => createMyStorage({ url: process.env.DATABASE_URL }),
 *   teardown: async (store) => store.close(),
 * })
 * ```
 */
export const describeStorageConformance = (options: ConformanceOptions): void => {
  const settings = runSettings(options)
  const group = (name: ConformanceGroup, body: () => void): void => {
    if (options.skip?.includes(name)) describe.skip(name, body)
    else describe(name, body)
  }
  describe(`storage conformance: ${options.name}`, () => {
    group('contract', () => {
      describeContract(options)
      describeDeleteContract(options)
      describeReadChecksContract(options)
      describeChangeFeedContract(options)
      describeIndexQueries(options, settings.properties, 'examples')
      describeHealthQueries(options, settings.properties, 'examples')
    })
    group('properties', () => {
      describeProperties(options, settings.properties)
      describeChangeFeedProperties(options, settings.properties)
      describeReadChecksProperties(options, settings.properties)
      describeErasureProperties(options, settings.properties)
      describeUserLinksProperties(options, settings.properties)
      describeIndexQueries(options, settings.properties, 'property')
      describeHealthQueries(options, settings.properties, 'property')
    })
    group('model', () => describeModel(options, settings.model))
  })
}
