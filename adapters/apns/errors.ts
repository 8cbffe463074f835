/**
 * The adapter was configured wrongly (a signing key that is not an EC P-256 private key, an
 * empty team or key id, an endpoint that is not an https origin, a refresh interval APNs would
 * refuse). Thrown by `createApnsProvider` only, never by `send`; its message never contains
 * the key.
 */
export class ApnsConfigError extends Error {
  override readonly name = 'ApnsConfigError'
}
