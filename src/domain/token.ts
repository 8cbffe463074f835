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
 * subscription lives; the rest, which is the secret, keeps only its last 4 characters.
 *
 * Host and rest come from the URL as the URL standard parses it, never from the text: in
 * `https://fcm.googleapis.com\fcm\send\SECRET` the host ends at the backslash. Text that does
 * not parse as an `https://` URL, or carries user info (S1 refuses it; its host may be a secret
 * after a smuggling `@`), is masked like any other token. Total: never throws, whatever the text.
 */
export const redact = (token: PushToken | TokenKey): string => {
  const text = typeof token === 'string' ? token : token.endpoint
  const web = endpointParts(text)
  if (web !== null) return `${web.host}/…${web.secret.length <= 16 ? '' : web.secret.slice(-4)}`
  return text.length <= 16 ? '…' : `${text.slice(0, 6)}…${text.slice(-4)}`
}

/**
 * The host and the secret rest (path, query, fragment) of an `https://` endpoint, or `null`.
 * Only text written `https://host…` counts, where the parsed host is what the text shows at
 * that place: `https:SECRET`, `https:///SECRET` and `https://\SECRET` parse too, with the
 * secret as their host.
 */
const endpointParts = (text: string): { readonly host: string; readonly secret: string } | null => {
  // The URL parser drops tabs and newlines anywhere before it reads the text; so does this.
  const clean = text.replace(/[\t\n\r]/g, '')
  const authority = /^https:\/\/([^/\\?#]+)/i.exec(clean)?.[1]
  // What the text itself shows as `https://host`: a tab or a newline inside that prefix
  // (`https:\t//SECRET`) makes the parser read a host the text does not show there.
  const shown = /^https:\/\/([^/\\?#\t\n\r]+)/i.exec(text)?.[1]
  // With user info, the "host" may be what followed a smuggling `@` (`https://push.example@SECRET/`).
  if (authority === undefined || authority !== shown || authority.includes('@')) return null
  let url: URL
  try {
    url = new URL(clean)
  } catch {
    return null
  }
  return url.hostname === '' ? null : { host: url.hostname, secret: `${url.pathname}${url.search}${url.hash}` }
}
