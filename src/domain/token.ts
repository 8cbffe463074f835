import type { Brand } from './brand.js'

/** A Web Push subscription as the browser's `PushSubscription.toJSON()` gives it. */
export interface WebPushSubscription {
  readonly endpoint: string
  readonly keys: { readonly p256dh: string; readonly auth: string }
}

/**
 * The address a provider issued for one (device, app): an APNs hex string, an FCM
 * registration token, or a Web Push subscription.
 */
export type PushToken = string | WebPushSubscription

/**
 * What makes two tokens the same token inside one app (R1, I2): the string itself, or the
 * endpoint of a Web Push subscription (its keys may be re-issued for the same endpoint). The
 * boundary hands endpoints over in their canonical spelling (`canonicalEndpoint`, S1, D13), so
 * every spelling of one subscription has one key.
 */
export type TokenKey = Brand<string, 'TokenKey'>

export const tokenKey = (token: PushToken): TokenKey =>
  (typeof token === 'string' ? token : token.endpoint) as TokenKey

export const isWebPushSubscription = (token: PushToken): token is WebPushSubscription =>
  typeof token !== 'string'

/**
 * S2: the form of a token that may appear in logs, errors and event payloads: its first 6 and
 * last 4 characters. Short values are masked entirely, since showing 10 characters of them
 * would show most of the secret. A Web Push endpoint shows its push service's host instead of
 * `https:`: the host is public (it is on the S1 allow-list) and tells an operator where a
 * subscription lives; the path, which is the secret, keeps only its last 4 characters.
 */
export const redact = (token: PushToken | TokenKey): string => {
  const text = typeof token === 'string' ? token : token.endpoint
  const web = /^https:\/\/([^/?#]+)(.*)$/.exec(text)
  if (web !== null) {
    const secret = web[2] ?? ''
    // User info is never shown, even though S1 refuses endpoints that carry it.
    const host = (web[1] ?? '').replace(/^.*@/, '')
    return `${host}/…${secret.length <= 16 ? '' : secret.slice(-4)}`
  }
  return text.length <= 16 ? '…' : `${text.slice(0, 6)}…${text.slice(-4)}`
}
