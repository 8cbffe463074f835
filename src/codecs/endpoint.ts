/** A Web Push endpoint as the registry stores it, or why it may not be stored. */
export type EndpointCheck = { readonly endpoint: string } | { readonly problem: string }

/**
 * S1, D13, I2: a Web Push endpoint in its one canonical spelling, or the reason it may not
 * receive requests from this server. Allowed: `https:`, no user info, the default port, and a
 * host on the allow-list, compared case-insensitively and without a trailing dot.
 *
 * The canonical spelling is the WHATWG URL serialisation (what browsers and `fetch` resolve
 * the text to) with the host's trailing dot and the fragment dropped:
 * `https://FCM.googleapis.com:443/x`, `https:fcm.googleapis.com/x`, `https://fcm.googleapis.com\x`
 * and `https://fcm%2Egoogleapis%2Ecom/x` are all `https://fcm.googleapis.com/x`. The token is
 * identified by it (one subscription, one active registration, I2), and it is what exports and
 * targets hand out, so a consumer parsing it with a legacy URL parser finds the same host the
 * allow-list checked. The fragment is never sent to the push service, so it names nothing.
 */
export const canonicalEndpoint = (endpoint: string, allowedHosts: readonly string[]): EndpointCheck => {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return { problem: 'must be an absolute URL' }
  }
  if (url.protocol !== 'https:') return { problem: 'must use https:' }
  if (url.username !== '' || url.password !== '') return { problem: 'must not carry user info' }
  if (url.port !== '') return { problem: 'must use the default port' }
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  if (!allowedHosts.some((pattern) => hostMatches(host, pattern.toLowerCase().replace(/\.$/, '')))) {
    return { problem: 'must point at an allow-listed push service' }
  }
  return { endpoint: `https://${host}${url.pathname}${url.search}` }
}

/**
 * S1, D13: whether a Web Push endpoint may receive requests from this server (see
 * {@link canonicalEndpoint}). Returns the reason it may not, or `null`.
 */
export const endpointProblem = (endpoint: string, allowedHosts: readonly string[]): string | null => {
  const check = canonicalEndpoint(endpoint, allowedHosts)
  return 'problem' in check ? check.problem : null
}

const hostMatches = (host: string, pattern: string): boolean =>
  pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern
