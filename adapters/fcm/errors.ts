import { brandErrorClass } from 'push-registry'

/**
 * `createFcmProvider` was given options that cannot work (a service account without a usable
 * key, an endpoint that is not a URL…): a programmer error, thrown at construction, never
 * while sending. The message never quotes the key (S2: credentials never appear).
 */
export class FcmConfigError extends Error {
  override readonly name = 'FcmConfigError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<FcmConfigError>(this, 'FcmConfigError')
  constructor(
    /** The option at fault, as a path: `serviceAccount.private_key`. */
    readonly option: string,
    reason: string,
  ) {
    super(`push-registry/fcm: ${option} ${reason}`)
  }
}
