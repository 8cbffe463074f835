import type { AppId, Instant } from '../domain/brand.js'
import type { DispatchRecord } from '../domain/records.js'
import type { CountedGroup, DailyIncrement } from '../domain/token-health.js'

/**
 * What `StoragePort.countRegistrations` counts: one app's registration entries, grouped by
 * token status, capability and the band of their `reportedAt` between `bounds`.
 */
export interface RegistrationCountQuery {
  readonly appId: AppId
  /**
   * Instants, ascending. An entry's band is how many of them are at or before its token's
   * `reportedAt` (0: reported before the first). The registry passes `now − expireAfter` and
   * `now − staleAfter` (R19, D7), so a store needs no clock and no policy.
   */
  readonly bounds: readonly Instant[]
}

/**
 * One group of registration entries and how many there are (never 0): `status` is the
 * stored token status (`none`: a known device without a token), `capability` that of an
 * `active` token (`null` for every other status), `band` that of the token's `reportedAt`
 * (0 for status `none`).
 */
export type RegistrationCount = CountedGroup

/**
 * One increment of a daily counter, sent with a commit (`CommitOptions.counts`) and applied in
 * the same atomic step: counters are exact however often a unit is retried, since a commit
 * that applies nothing counts nothing. `day` is in days since the epoch (UTC).
 */
export type DailyCountDraft = DailyIncrement

/** A daily counter as the store holds it: the sum of every applied draft of its key. */
export type DailyCount = DailyIncrement

/** Which daily counters to read: one app's, days `fromDay` to `toDay` inclusive. */
export interface DailyCountQuery {
  readonly appId: AppId
  readonly fromDay: number
  readonly toDay: number
}

/**
 * How many days back from the newest day it was given, per app, a store keeps daily counters
 * at least (D14: the counters stay bounded whatever the store's age).
 */
export const dailyCountDays = 400

/** Which dispatches to read: one app's most recent, at most `limit`. */
export interface RecentDispatchQuery {
  readonly appId: AppId
  readonly limit: number
}

/** A dispatch record that has a send summary, as `recentDispatches` answers it. */
export type SummarisedDispatch = DispatchRecord & { readonly sends: NonNullable<DispatchRecord['sends']> }
