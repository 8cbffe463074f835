/**
 * Recognising the library's errors across copies of its code. The package ships an ES module
 * build and a CommonJS build, and an application can load both (its own code imports, a
 * dependency requires): each build has its own `StorageError` class, so `instanceof` fails
 * across them. Every error class of the library therefore carries a brand under a registered
 * symbol (`Symbol.for`, one symbol per process whatever the copy) holding its stable name, and
 * each class has a static `is()` that reads the brand instead of the prototype chain.
 */

/** The registered symbol under which every error of the library carries its stable name. */
export const errorBrand: unique symbol = Symbol.for('push-registry.error')

/** The stable `name` of every error class the package exports. */
export type PushRegistryErrorName =
  | 'StorageError'
  | 'ContentionError'
  | 'RegistryConfigError'
  | 'DispatchError'
  | 'DispatchConfigError'
  | 'UiConfigError'
  | 'ApnsConfigError'
  | 'FcmConfigError'
  | 'WebPushConfigError'
  | 'PostgresError'

/** A guard that recognises one error class of the library, from whichever build made it. */
export type ErrorGuard<E extends Error> = (value: unknown) => value is E

/**
 * Whether `value` is an error of this library, from either build or any copy of the package;
 * with `name`, an error of that class. `StorageError.is(e)` and its siblings say the same for
 * one class, with the class's type.
 */
export const isPushRegistryError = (value: unknown, name?: PushRegistryErrorName): value is Error & { readonly name: PushRegistryErrorName } => {
  if (typeof value !== 'object' || value === null) return false
  const brand = (value as { readonly [errorBrand]?: unknown })[errorBrand]
  return typeof brand === 'string' && (name === undefined || brand === name)
}

/**
 * Brands an error class's prototype with its stable name and returns the class's `is()` guard.
 * Used in each class's static initializer: `static readonly is = brandErrorClass<X>(this, 'X')`.
 *
 * @internal The package's own adapters use it; it is not part of the supported API.
 */
export const brandErrorClass = <E extends Error>(errorClass: abstract new (...args: never[]) => E, name: PushRegistryErrorName): ErrorGuard<E> => {
  Object.defineProperty(errorClass.prototype, errorBrand, { value: name, enumerable: false })
  return (value: unknown): value is E => isPushRegistryError(value, name)
}
