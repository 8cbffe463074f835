import type { UserId } from '../domain/brand.js'
import type { RegistrationEntry, UserEntry } from '../domain/index-entry.js'
import { compareRegistrations } from '../domain/index-entry.js'
import type { SubscriptionState } from '../domain/input.js'
import type { ActiveFilter, RegistrationQuery, UserQuery, UserRow } from '../ports/index-queries.js'

/**
 * What the index queries of the storage port mean, as code: the scan fallback answers with these,
 * and adapters with indexes of their own may use them to filter what their indexes narrowed
 * down. The conformance kit checks adapters against a plain fold of its own, not these.
 */

/** Whether an entry passes an `active` filter. Allocation-free: it runs once per entry. */
export const isActiveMatch = (entry: RegistrationEntry, filter: ActiveFilter): boolean => {
  const token = entry.token
  if (token.status !== 'active') return false
  if (filter.reportedSince !== null && token.reportedAt < filter.reportedSince) return false
  if (filter.reportedBefore !== undefined && token.reportedAt >= filter.reportedBefore) return false
  return filter.capabilities === undefined || filter.capabilities.includes(token.capability)
}

/** R10, R11: whether an owner (or, for an anonymous device, its default state) is in `states`. */
export const ownersMatch = (
  entry: RegistrationEntry,
  states: readonly SubscriptionState[],
  stateOf: (userId: UserId) => SubscriptionState,
): boolean => {
  if (entry.owners.length === 0) return states.includes('subscribed')
  for (const owner of entry.owners) if (states.includes(stateOf(owner))) return true
  return false
}

/** Whether a registration entry passes every filter of a registration query. */
export const registrationMatches = (
  entry: RegistrationEntry,
  query: RegistrationQuery,
  stateOf: (userId: UserId) => SubscriptionState,
): boolean =>
  (query.appId === undefined || entry.appId === query.appId) &&
  (query.active === undefined || isActiveMatch(entry, query.active)) &&
  (query.ownerStates === undefined || ownersMatch(entry, query.ownerStates, stateOf))

/**
 * A user query's row for one user, given every registration entry naming them among its owners
 * (in any order), or `null` when the query leaves the user out.
 */
export const userRowOf = (user: UserEntry, owned: readonly RegistrationEntry[], query: UserQuery): UserRow | null => {
  if (query.states !== undefined && !query.states.includes(user.subscription)) return null
  const apps = query.apps
  const registrations = owned.filter((entry) => apps === undefined || apps.includes(entry.appId))
  if (query.owning === true && registrations.length === 0) return null
  if (registrations.length > 1) registrations.sort(compareRegistrations)
  return { user, registrations }
}

/** The default state of a user the store holds no entry for (R11). */
export const defaultSubscription: SubscriptionState = 'subscribed'

/** The distinct ids of a user query's `userIds`, in first-seen order. */
export const distinctUserIds = (ids: readonly UserId[]): UserId[] => [...new Set(ids)]

