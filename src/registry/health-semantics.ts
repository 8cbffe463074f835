import type { Instant } from '../domain/brand.js'
import type { RegistrationEntry } from '../domain/index-entry.js'
import type { CountedGroup, DailyIncrement } from '../domain/token-health.js'
import type { SummarisedDispatch } from '../ports/health-queries.js'

/**
 * What the token-health queries of the storage port mean, as code: the scan fallback answers
 * with these, and adapters may use them. The conformance kit checks adapters against a plain
 * fold of its own, not these.
 */

/** How many of `bounds` (ascending) are at or before `reportedAt`. */
export const bandOf = (reportedAt: number, bounds: readonly Instant[]): number => {
  let band = 0
  while (band < bounds.length && (bounds[band] as number) <= reportedAt) band++
  return band
}

/** The key of an entry's group: stored status, capability of an active token, band. */
export const groupOf = (entry: RegistrationEntry, bounds: readonly Instant[]): Omit<CountedGroup, 'count'> => {
  const token = entry.token
  if (token.status === 'none') return { status: 'none', capability: null, band: 0 }
  return { status: token.status, capability: token.status === 'active' ? token.capability : null, band: bandOf(token.reportedAt, bounds) }
}

/** Sums groups or counters with the same key (`key` names it); drops zeros. */
export const sumBy = <A extends { readonly count: number }>(items: Iterable<A>, key: (item: A) => string): A[] => {
  const sums = new Map<string, A>()
  for (const item of items) {
    const id = key(item)
    const prior = sums.get(id)
    sums.set(id, prior === undefined ? item : { ...item, count: prior.count + item.count })
  }
  return [...sums.values()].filter((item) => item.count !== 0)
}

export const groupKey = (g: Omit<CountedGroup, 'count'>): string => `${g.status}\u0000${g.capability ?? ''}\u0000${g.band}`
export const dailyKey = (c: Omit<DailyIncrement, 'count'>): string => `${c.appId}\u0000${c.day}\u0000${c.event}\u0000${c.reason}`

/** The order of recent dispatches: latest `sends.lastAt` first, then the greater dispatch id. */
export const compareRecentDispatches = (a: SummarisedDispatch, b: SummarisedDispatch): number =>
  b.sends.lastAt - a.sends.lastAt || (a.dispatchId < b.dispatchId ? 1 : a.dispatchId > b.dispatchId ? -1 : 0)
