import type { AppId, Instant } from './brand.js'
import type { Capability } from './capability.js'
import type { Staleness } from './policy.js'

/**
 * The token-health overview's arithmetic, pure: which bounds a store counts registrations
 * between, what status each counted group has at `now` (R19, D7), which daily counters a
 * commit's changes increment, and the daily series a chart draws.
 */

/** A registration's status at a query's `now`, as `registry.registrations()` reports it. */
export type HealthStatus = 'active' | 'stale' | 'suspect' | 'expired' | 'ended' | 'none'

export const healthStatuses: readonly HealthStatus[] = ['active', 'stale', 'suspect', 'expired', 'ended', 'none']
export const healthCapabilities: readonly Capability[] = ['foreground', 'provisional', 'background']

/** A group of registrations as a store counts them (see `RegistrationCount` of the port). */
export interface CountedGroup {
  readonly status: 'none' | 'active' | 'suspect' | 'ended'
  readonly capability: Capability | null
  readonly band: number
  readonly count: number
}

/** The instants a store bands `reportedAt` by, and which of them means what. */
export interface HealthBounds {
  /** Ascending, distinct. */
  readonly bounds: readonly Instant[]
  /** R19: a token reported before this has expired; `null` when the app's tokens never expire. */
  readonly expiredBefore: Instant | null
  /** R19: an active token reported before this is stale (still a target, D7). */
  readonly staleBefore: Instant
}

/** R19, D7: the bounds of an app's staleness at `now`. */
export const healthBounds = (staleness: Staleness, now: Instant): HealthBounds => {
  const staleBefore = (now - staleness.staleAfter) as Instant
  const expiredBefore = staleness.expireAfter === null ? null : ((now - staleness.expireAfter) as Instant)
  const bounds = [...new Set(expiredBefore === null ? [staleBefore] : [expiredBefore, staleBefore])].sort((a, b) => a - b)
  return { bounds, expiredBefore, staleBefore }
}

/** Whether a `reportedAt` in `band` is before `bound` (one of `bounds.bounds`). */
const before = (bounds: HealthBounds, bound: Instant, band: number): boolean => bounds.bounds.indexOf(bound) >= band

/**
 * R19, D7: the status of a counted group at the bounds' `now`: an active token reported within
 * `expireAfter` is live, and stale past `staleAfter`; an active or quarantined token reported
 * before `expireAfter` has expired. The same rules as `registrations()` applies per entry.
 */
export const healthStatusOf = (group: CountedGroup, bounds: HealthBounds): HealthStatus => {
  if (group.status === 'none' || group.status === 'ended') return group.status
  if (bounds.expiredBefore !== null && before(bounds, bounds.expiredBefore, group.band)) return 'expired'
  if (group.status === 'suspect') return 'suspect'
  return before(bounds, bounds.staleBefore, group.band) ? 'stale' : 'active'
}

/** Registrations by status and capability (`none`: no live token, so no capability). */
export type HealthCells = Readonly<Record<HealthStatus, Readonly<Record<Capability | 'none', number>>>>

/** One app's registrations at `now`, by status and capability. */
export interface RegistrationHealth {
  readonly total: number
  readonly cells: HealthCells
}

const emptyRow = (): Record<Capability | 'none', number> => ({ foreground: 0, provisional: 0, background: 0, none: 0 })

/** Sums a store's counted groups into statuses and capabilities at the bounds' `now`. */
export const registrationHealth = (groups: readonly CountedGroup[], bounds: HealthBounds): RegistrationHealth => {
  const cells = Object.fromEntries(healthStatuses.map((s) => [s, emptyRow()])) as Record<HealthStatus, Record<Capability | 'none', number>>
  let total = 0
  for (const group of groups) {
    const status = healthStatusOf(group, bounds)
    // As `registrations()` shows them: only a live token (active or stale) has a capability.
    cells[status][status === 'active' || status === 'stale' ? (group.capability ?? 'none') : 'none'] += group.count
    total += group.count
  }
  return { total, cells }
}

/** What a daily counter counts. */
export type DailyEvent = 'invalidated' | 'quarantined'

/** One increment of one app's counter of one day, event and reason. */
export interface DailyIncrement {
  readonly appId: AppId
  /** Days since the epoch, UTC. */
  readonly day: number
  readonly event: DailyEvent
  /** An invalidation's `reason` (D1); `ambiguous` for a quarantine (R18). */
  readonly reason: string
  readonly count: number
}

export const dayMs = 86_400_000

/** The UTC day of an instant, in days since the epoch. */
export const dayOf = (at: number): number => Math.floor(at / dayMs)

/** A change as the feed holds it: what the counters are derived from. */
export interface CountableChange {
  readonly at: number
  readonly change: unknown
}

/** The app and reason of a change that a daily counter counts, or `null`. */
const counted = (change: unknown): { readonly appId: AppId; readonly event: DailyEvent; readonly reason: string } | null => {
  if (typeof change !== 'object' || change === null) return null
  const { name, payload } = change as { readonly name?: unknown; readonly payload?: { readonly appId?: unknown; readonly reason?: unknown } }
  if (typeof payload?.appId !== 'string') return null
  if (name === 'token.invalidated' && typeof payload.reason === 'string') return { appId: payload.appId as AppId, event: 'invalidated', reason: payload.reason }
  if (name === 'token.quarantined') return { appId: payload.appId as AppId, event: 'quarantined', reason: 'ambiguous' }
  return null
}

/**
 * The daily counters a commit's changes increment: one per (app, day, event, reason), summed.
 * `token.invalidated` counts by its reason, `token.quarantined` as `ambiguous`; the day is
 * the change's `at` (the registry's clock at commit), so a day counts what the registry
 * learned that day.
 */
export const dailyIncrementsOf = (changes: readonly CountableChange[]): DailyIncrement[] => {
  const sums = new Map<string, DailyIncrement>()
  for (const { at, change } of changes) {
    const c = counted(change)
    if (c === null) continue
    const day = dayOf(at)
    const id = `${c.appId}\u0000${day}\u0000${c.event}\u0000${c.reason}`
    const prior = sums.get(id)
    sums.set(id, { ...c, day, count: (prior?.count ?? 0) + 1 })
  }
  return [...sums.values()]
}

/** One day of the chart: counts by series (`dead`, `uninstalled`, …, `quarantined`). */
export interface DailyPoint {
  readonly day: number
  /** `YYYY-MM-DD`, UTC. */
  readonly date: string
  readonly counts: Readonly<Record<string, number>>
  readonly total: number
}

/** The series name of a counter: its reason for invalidations, `quarantined` for quarantines. */
export const seriesOf = (count: Pick<DailyIncrement, 'event' | 'reason'>): string => (count.event === 'quarantined' ? 'quarantined' : count.reason)

/** The last `days` days up to `toDay`, oldest first, every day present (zeros included). */
export const dailySeries = (counts: readonly DailyIncrement[], toDay: number, days: number): DailyPoint[] => {
  const fromDay = toDay - days + 1
  const byDay = new Map<number, Record<string, number>>()
  for (const count of counts) {
    if (count.day < fromDay || count.day > toDay) continue
    const row = byDay.get(count.day) ?? {}
    const series = seriesOf(count)
    row[series] = (row[series] ?? 0) + count.count
    byDay.set(count.day, row)
  }
  return Array.from({ length: Math.max(0, days) }, (_, i) => {
    const day = fromDay + i
    const row = byDay.get(day) ?? {}
    return { day, date: dateOf(day), counts: row, total: Object.values(row).reduce((a, b) => a + b, 0) }
  })
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

/**
 * `YYYY-MM-DD` of a day since the epoch, by the proleptic Gregorian calendar (civil-from-days,
 * eras of 400 years), without `Date`: the domain reads no clock and builds no dates.
 */
export const dateOf = (day: number): string => {
  const z = day + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`
}
