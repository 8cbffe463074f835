/**
 * S1, D13: whether a Web Push endpoint may receive requests from this server: `https:`, no
 * user info, the default port, and a host on the allow-list, compared case-insensitively and
 * without a trailing dot. Returns the reason it may not, or `null`.
 */
export const endpointProblem = (endpoint: string, allowedHosts: readonly string[]): string | null => {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return 'must be an absolute URL'
  }
  if (url.protocol !== 'https:') return 'must use https:'
  if (url.username !== '' || url.password !== '') return 'must not carry user info'
  if (url.port !== '') return 'must use the default port'
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  return allowedHosts.some((pattern) => hostMatches(host, pattern.toLowerCase().replace(/\.$/, '')))
    ? null
    : 'must point at an allow-listed push service'
}

const hostMatches = (host: string, pattern: string): boolean =>
  pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern
