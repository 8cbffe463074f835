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
import { collect } from '../registry/query-stream.js'

/**
 * What a registry operation can fail with. Bad input is never a failure (it is reported);
 * a plain `Error` here is a defect of the library or of an adapter, passed through as it is.
 */
export type RegistryFailure = StorageError | ContentionError | Error

/** The registry's streamed queries: they stay async iterables, since a `TaskEither` would hold the whole answer. */
export type StreamedQuery = 'registrations' | 'segment' | 'targets' | 'exportSegment' | 'idleTargets'

/** The registry's Promise-returning operations, which {@link RegistryTE} lifts (events, `apps` and the streams stay on the registry). */
export type RegistryOperations = Omit<Registry, 'on' | 'apps' | 'changes' | StreamedQuery>

/**
 * Each Promise-returning operation of the registry, as a function returning a `TaskEither`.
 * The streamed queries (`targets`, `segment`, `registrations`, `idleTargets`, `exportSegment`)
 * are not here: iterate them on the registry, or gather a small answer with {@link collectTE}.
 */
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
 * const program = pipe(fp.ingest(inputs), TE.chain(() => collectTE(registry.targets({ appId: 'ios', kind: 'alert' }))))
 * ```
 */
export const toTaskEither = (registry: Registry): RegistryTE => ({
  ingest: lift(registry.ingest),
  profile: lift(registry.profile),
  exportUsers: lift(registry.exportUsers),
  segmentMembers: lift(registry.segmentMembers),
  lookup: lift(registry.lookup),
  changelog: lift(registry.changelog),
  dispatchStats: lift(registry.dispatchStats),
  tokenHealth: lift(registry.tokenHealth),
  recordSend: lift(registry.recordSend),
  pruneChanges: lift(registry.pruneChanges),
  erase: lift(registry.erase),
  close: lift(registry.close),
})

/**
 * Every item of a streamed query, as a `TaskEither`: for answers the caller knows to be small
 * (one user's devices, a test). A failing page is the left side.
 *
 * @example
 * ```ts
 * const targets = await collectTE(registry.targets({ appId: 'ios', kind: 'alert' }))()
 * ```
 */
export const collectTE = <A>(items: AsyncIterable<A>): TE.TaskEither<RegistryFailure, A[]> => TE.tryCatch(() => collect(items), asFailure)
