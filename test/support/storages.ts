import type { StoragePort } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'

/** A storage the vector runner and the conformance runs can build fresh stores of. */
export interface StorageUnderTest {
  readonly name: string
  readonly create: () => Promise<StoragePort>
}

/** Every storage adapter this test run has available. */
export const storagesUnderTest: readonly StorageUnderTest[] = [
  { name: 'memory', create: async () => createMemoryStorage() },
]
