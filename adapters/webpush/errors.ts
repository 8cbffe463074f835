import { brandErrorClass } from 'push-registry'

/**
 * The adapter was configured wrongly (VAPID keys that do not parse or do not match, a subject
 * that is neither `mailto:` nor `https:`, a lifetime above RFC 8292's 24 hours). Thrown by
 * `createWebPushProvider` only, never by `send`; its message never contains a key.
 */
export class WebPushConfigError extends Error {
  override readonly name = 'WebPushConfigError'
  /** Whether `value` is an error of this class, made by the ES module or the CommonJS build alike (`instanceof` is not). */
  static readonly is = brandErrorClass<WebPushConfigError>(this, 'WebPushConfigError')
}
