import { brandErrorClass } from 'push-registry'

/**
 * The adapter was configured wrongly (a signing key that is not an EC P-256 private key, an
 * empty team or key id, an endpoint that is not an https origin, a refresh interval APNs would
 * refuse). Thrown by `createApnsProvider` only, never by `send`; its message never contains
 * the key.
 */
export class ApnsConfigError extends Error {
  override readonly name = 'ApnsConfigError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<ApnsConfigError>(this, 'ApnsConfigError')
}
