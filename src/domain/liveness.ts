import type { Instant } from './brand.js'
import type { Capability } from './capability.js'
import type { Staleness } from './policy.js'
import type { TokenState } from './records.js'

/** The token of an active registration. */
export type ActiveToken = Extract<TokenState, { status: 'active' }>

/**
 * R19, D7: whether a registration's token is usable at `now`. Suspect (D6), ended and expired
 * tokens are not (I6); an expired token needs no purge to stop being used. Allocation-free:
 * queries call it once per registration.
 */
export const isLiveAt = (token: TokenState, staleness: Staleness, now: Instant): token is ActiveToken =>
  token.status === 'active' && (staleness.expireAfter === null || now - token.reportedAt <= staleness.expireAfter)

/** R19: not seen for `staleAfter`; still active and a target (D7). */
export const isStaleAt = (token: ActiveToken, staleness: Staleness, now: Instant): boolean =>
  now - token.reportedAt > staleness.staleAfter

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
