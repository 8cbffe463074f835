/**
 * The registry for fp-ts users: the same operations as {@link Registry}, as `TaskEither`s whose
 * left side is the typed failure (`StorageError`, `ContentionError`). Derived from the Promise
 * API, so both always behave alike.
 *
 * @module push-registry/fp
 */
import * as TE from 'fp-ts/lib/TaskEither.js'
import type { Registry } from '../registry/create-registry.js'
import type { ContentionError, StorageError } from '../registry/errors.js'

/**
 * What a registry operation can fail with. Bad input is never a failure (it is reported);
 * a plain `Error` here is a defect of the library or of an adapter, passed through as it is.
 */
export type RegistryFailure = StorageError | ContentionError | Error

/** The registry's Promise-returning operations, which {@link RegistryTE} lifts (events, `apps` and the streams stay on the registry). */
export type RegistryOperations = Omit<Registry, 'on' | 'apps' | 'exportSegment' | 'changes'>

/** Each Promise-returning operation of the registry, as a function returning a `TaskEither`. */
export type RegistryTE = {
  readonly [K in keyof RegistryOperations]: RegistryOperations[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => TE.TaskEither<RegistryFailure, R>
    : never
}

const asFailure = (error: unknown): RegistryFailure =>
  error instanceof Error ? error : new Error(String(error))

const lift =
  <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
  (...args: A): TE.TaskEither<RegistryFailure, R> =>
    TE.tryCatch(() => run(...args), asFailure)

/**
 * @example
 * ```ts
 * import { pipe } from 'fp-ts/function'
 * import * as TE from 'fp-ts/TaskEither'
 * const fp = toTaskEither(registry)
 * const program = pipe(fp.ingest(inputs), TE.chain(() => fp.targets({ appId: 'ios', kind: 'alert' })))
 * ```
 */
export const toTaskEither = (registry: Registry): RegistryTE => ({
  ingest: lift(registry.ingest),
  registrations: lift(registry.registrations),
  segment: lift(registry.segment),
  targets: lift(registry.targets),
  profile: lift(registry.profile),
  exportUsers: lift(registry.exportUsers),
  lookup: lift(registry.lookup),
  changelog: lift(registry.changelog),
  dispatchStats: lift(registry.dispatchStats),
  idleTargets: lift(registry.idleTargets),
  pruneChanges: lift(registry.pruneChanges),
  erase: lift(registry.erase),
  close: lift(registry.close),
})
