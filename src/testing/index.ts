/**
 * `push-registry/testing`: the conformance kit for storage adapters. Run it from the adapter's
 * own vitest suite; it needs the optional peer dependencies `vitest` and `fast-check`.
 *
 * @module push-registry/testing
 */

export { describeStorageConformance } from './describe-storage-conformance.js'
export type { ConformanceGroup, ConformanceOptions } from './options.js'
export { createReferenceStorage } from './reference-storage.js'
