import type { StoragePort } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { disposeStore, openStore, serverMissing, serverRequired, serverUrl } from '../../adapters/postgres/test-databases.js'

/** A storage the vector runner and the conformance runs can build fresh stores of. */
export interface StorageUnderTest {
  readonly name: string
  /** A fresh, empty store. */
  readonly create: () => Promise<StoragePort>
  /** Releases what `create` made for the store (closes it, drops its schema); default `close()`. */
  readonly dispose?: (store: StoragePort) => Promise<void>
}

/**
 * The PostgreSQL server storage, when `PUSH_REGISTRY_PG_URL` names one. Without it the server
 * is skipped with a message, except in CI (`CI=true`), where the server must run: there the
 * entry stays and every test on it fails, saying why.
 */
const server = (): StorageUnderTest[] => {
  if (serverUrl !== undefined) return [{ name: 'postgres (server)', create: () => openStore('server'), dispose: disposeStore }]
  if (serverRequired) {
    return [{ name: 'postgres (server)', create: () => Promise.reject(new Error(serverMissing())) }]
  }
  console.warn(serverMissing())
  return []
}

/** Every storage adapter this test run has available. */
export const storagesUnderTest: readonly StorageUnderTest[] = [
  { name: 'memory', create: async () => createMemoryStorage() },
  { name: 'postgres (PGlite, in memory)', create: () => openStore('pglite'), dispose: disposeStore },
  ...server(),
]
