import type { Instant } from './brand.js'
import type { Capability } from './capability.js'
import type { Staleness } from './policy.js'
import type { TokenState } from './records.js'

/** An active token as of a query's `now`. */
export type LiveToken = Extract<TokenState, { status: 'active' }> & {
  /** R19: not seen for `staleAfter`; still active and a target (D7). */
  readonly stale: boolean
}

/**
 * R19, D7: whether a registration's token is usable at `now`. Suspect (D6), ended and
 * expired tokens are not (I6); an expired token needs no purge to stop being used.
 */
export const liveAt = (token: TokenState, staleness: Staleness, now: Instant): LiveToken | null => {
  if (token.status !== 'active') return null
  const unseenFor = now - token.reportedAt
  if (staleness.expireAfter !== null && unseenFor > staleness.expireAfter) return null
  return { ...token, stale: unseenFor > staleness.staleAfter }
}

/** R19: the time a token expires, if its provider's tokens expire at all. */
export const expiresAt = (token: { readonly reportedAt: Instant }, staleness: Staleness): Instant | null =>
  staleness.expireAfter === null ? null : ((token.reportedAt + staleness.expireAfter) as Instant)

/** R25: the profile label of one registration for one user. */
export type PushRegisteredFor = `Foreground: ${string}` | `Background: ${string}` | '--'

export const pushRegisteredFor = (
  appName: string,
  live: { readonly capability: Capability } | null,
): PushRegisteredFor =>
  live === null ? '--' : live.capability === 'background' ? `Background: ${appName}` : `Foreground: ${appName}`
