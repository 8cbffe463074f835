/** Thrown by `createHttpHandler` when its `ui` options cannot work; names the option, never its value. */
export class UiConfigError extends Error {
  override readonly name = 'UiConfigError'
  constructor(
    /** The option at fault, e.g. `ui.sessionSecret`. */
    readonly path: string,
    reason: string,
  ) {
    super(`${path} ${reason}`)
  }
}
