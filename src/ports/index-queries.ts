import type { AppId, Instant, UserId } from '../domain/brand.js'
import type { Capability } from '../domain/capability.js'
import type { RegistrationEntry, UserEntry } from '../domain/index-entry.js'
import type { SubscriptionState } from '../domain/input.js'

/**
 * Only registrations whose token is active, reported within `[reportedSince, reportedBefore)`
 * and of one of `capabilities`. `reportedSince` is the query's `now` minus the app's
 * `expireAfter` (R19, D7: a token not reported since then has expired); `null` when the app's
 * tokens never expire.
 */
export interface ActiveFilter {
  readonly reportedSince: Instant | null
  /** Only tokens last reported before this instant (R14: the idle ones). */
  readonly reportedBefore?: Instant
  readonly capabilities?: readonly Capability[]
}

/** A page request over registration entries, as `StoragePort.queryRegistrations` takes it. */
export interface RegistrationQuery {
  /** Only this app's registrations; every app's when absent. */
  readonly appId?: AppId
  readonly active?: ActiveFilter
  /**
   * R10, R11, R27: only registrations one of whose owners is in one of these subscription
   * states (a user without an entry is `subscribed`), or that have no owner when `subscribed`
   * is listed (an anonymous device's user is subscribed by default). The store joins each
   * entry's owners with the user entries it holds.
   */
  readonly ownerStates?: readonly SubscriptionState[]
  /** The `next` of the previous page; absent for the first page. */
  readonly after?: string
  /** At most this many entries (a page may hold fewer, even none, before the last). */
  readonly limit: number
}

/** A page request over users, each with the registrations they own. */
export interface UserQuery {
  /**
   * Only these users, in this order, each once; unknown ones are left out. The answer is one
   * page (`after` and `limit` are ignored, `next` is `null`): the caller bounds the list.
   */
  readonly userIds?: readonly UserId[]
  /** Only users in one of these subscription states. */
  readonly states?: readonly SubscriptionState[]
  /** A row lists only its user's registrations of these apps (R4, I8); every app's when absent. */
  readonly apps?: readonly AppId[]
  /** Only users who own at least one registration (of `apps`, when given). */
  readonly owning?: boolean
  readonly after?: string
  readonly limit: number
}

/** One user and the registration entries whose `owners` name them, by app then device. */
export interface UserRow {
  readonly user: UserEntry
  readonly registrations: readonly RegistrationEntry[]
}

/** One page of an index query. */
export interface IndexPage<A> {
  readonly entries: readonly A[]
  /** Where the next page starts; `null` when this page is the last. */
  readonly next: string | null
}
