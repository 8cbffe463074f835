import type { AppId } from '../domain/brand.js'
import type { Provider } from '../domain/app.js'
import type { ApnsEnvironment } from '../domain/input.js'
import type { PushToken } from '../domain/token.js'

/** One push to one token, as the dispatch service hands it to a provider adapter. */
export interface OutgoingPush {
  readonly appId: AppId
  readonly token: PushToken
  /** `alert` shows a notification; `background` wakes the app silently (R27). */
  readonly kind: 'alert' | 'background'
  /** The provider-specific payload (APNs `aps` dictionary, FCM message fields, Web Push body). */
  readonly payload: unknown
  /** S4: an APNs token is only ever sent to its own environment. */
  readonly environment?: ApnsEnvironment
  readonly collapseId?: string
  /** When the provider may drop the push, ms since the epoch. */
  readonly expiresAt?: number
  /**
   * The send this push belongs to (D6). An adapter should carry it to the device inside the
   * payload's custom data (APNs top-level key, FCM `data`, the Web Push JSON body) under
   * `dispatchId`, unless the payload already has one, so that the SDK can report the push
   * received or opened (`delivery_reported`).
   */
  readonly dispatchId?: string
}

/** What the provider answered, before classification (§4). */
export interface ProviderReply {
  /** HTTP status; `0` when no HTTP answer came back (network error, timeout). */
  readonly status: number
  readonly reason?: string
  readonly detail?: string
  /** APNs `410` evidence time, ms since the epoch (R17). */
  readonly timestamp?: number
  /** `Retry-After`, in seconds, for transient answers. */
  readonly retryAfterSeconds?: number
}

/**
 * A push service. Adapters send and report what the service said; they never decide what it
 * means for the token (the registry's pure classifier does, §4) and never throw for an answer
 * of the service: a network failure is `{ status: 0 }`. A credential the adapter can heal by
 * itself (APNs `ExpiredProviderToken`: mint a new JWT) is healed inside `send`, with one retry;
 * the dispatcher never re-sends such an answer, so that a token is minted at most once.
 */
export interface ProviderPort {
  readonly provider: Provider
  readonly send: (push: OutgoingPush) => Promise<ProviderReply>
  readonly close: () => Promise<void>
}
