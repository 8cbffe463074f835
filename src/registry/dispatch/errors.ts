import { brandErrorClass } from '../../errors/error-brand.js'

/**
 * A dispatch could not start: the request names an app the registry does not serve or that
 * has no provider port, or its options cannot work. Nothing was sent. Messages never contain
 * tokens (S2): they name apps and fields only.
 */
export class DispatchError extends Error {
  override readonly name = 'DispatchError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<DispatchError>(this, 'DispatchError')
  constructor(
    readonly code: 'unknown_app' | 'no_provider' | 'bad_request',
    message: string,
  ) {
    super(message)
  }
}

/** `createDispatcher` was given options that cannot work; programmer error, thrown at once. */
export class DispatchConfigError extends Error {
  override readonly name = 'DispatchConfigError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<DispatchConfigError>(this, 'DispatchConfigError')
  constructor(readonly problems: readonly string[]) {
    super(`invalid dispatcher options: ${problems.join('; ')}`)
  }
}
