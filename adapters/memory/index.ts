/**
 * `push-registry/memory`: the embedded storage, in the process. Records are lost when the
 * process ends: for tests, demos and single-process tools.
 *
 * @module push-registry/memory
 */
export { createMemoryStorage } from './memory-storage.js'
export type { MemoryStorageOptions } from './memory-storage.js'
