import type { SubscriptionState } from './input.js'
import type { Stamped, UserRecord } from './records.js'
import { latestOptInOf } from './user-links.js'

/**
 * R11, R12, R13: a user's subscription state is the latest of their explicit settings and the
 * opt-ins attributed to them, `subscribed` until either exists. At equal times an explicit
 * setting wins over an opt-in. Nothing else moves it: no bounce, no uninstall (R13).
 */
export const subscriptionOf = (user: UserRecord | undefined): SubscriptionState => {
  if (user === undefined) return 'subscribed'
  const explicit = user.subscription
  const latestOptIn = latestOptInOf(user)?.at ?? -Infinity
  if (explicit === null) return latestOptIn === -Infinity ? 'subscribed' : 'opted_in'
  return latestOptIn > explicit.at ? 'opted_in' : explicit.value
}

/** R20: the later stamp wins; equal times go to the greater value, never to arrival order. */
export const laterStamp = <A>(current: Stamped<A> | null, next: Stamped<A>): Stamped<A> => {
  if (current === null || next.at > current.at) return next
  if (next.at < current.at) return current
  return JSON.stringify(next.value) > JSON.stringify(current.value) ? next : current
}

/** R22, R23, R27: users who may get alerts. */
export const mayReceiveAlerts = (state: SubscriptionState): boolean => state !== 'unsubscribed'
