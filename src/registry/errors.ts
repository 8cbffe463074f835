import type { Issue } from '../codecs/issue.js'
import { brandErrorClass } from '../errors/error-brand.js'

/**
 * A storage port call failed (it threw, or answered something that breaks its contract).
 * The registry wraps every port call in one place and raises this, naming the method; the
 * adapter's own error is the `cause`. Not raised for bad input, which is reported, not thrown.
 */
export class StorageError extends Error {
  override readonly name = 'StorageError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<StorageError>(this, 'StorageError')
  constructor(
    readonly method: 'read' | 'commit' | 'scan' | 'readChanges' | 'pruneChanges' | 'queryRegistrations' | 'queryUsers' | 'countRegistrations' | 'readDailyCounts' | 'recentDispatches' | 'close',
    cause: unknown,
  ) {
    super(`storage port ${method}() failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

/** Writes kept conflicting with other registries sharing the store, beyond the retry budget. */
export class ContentionError extends Error {
  override readonly name = 'ContentionError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<ContentionError>(this, 'ContentionError')
  constructor(readonly attempts: number) {
    super(`an input still conflicted after ${attempts} commit attempts and was not applied (inputs before it in the batch were)`)
  }
}

/** `createRegistry` was given options that cannot work; programmer error, thrown at once. */
export class RegistryConfigError extends Error {
  override readonly name = 'RegistryConfigError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<RegistryConfigError>(this, 'RegistryConfigError')
  constructor(readonly issues: readonly Issue[]) {
    super(`invalid registry options: ${issues.map((i) => `${i.path} (${i.rule}) ${i.message}`).join('; ')}`)
  }
}
