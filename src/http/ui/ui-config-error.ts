import { brandErrorClass } from '../../errors/error-brand.js'

/** Thrown by `createHttpHandler` when its `ui` options cannot work; names the option, never its value. */
export class UiConfigError extends Error {
  override readonly name = 'UiConfigError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<UiConfigError>(this, 'UiConfigError')
  constructor(
    /** The option at fault, e.g. `ui.sessionSecret`. */
    readonly path: string,
    reason: string,
  ) {
    super(`${path} ${reason}`)
  }
}
