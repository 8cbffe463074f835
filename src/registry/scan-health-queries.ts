import type { RegistrationEntry } from '../domain/index-entry.js'
import { indexEntryOf } from '../domain/index-entry.js'
import type { DispatchRecord } from '../domain/records.js'
import { dailyIncrementsOf } from '../domain/token-health.js'
import type {
  DailyCount,
  DailyCountQuery,
  RecentDispatchQuery,
  RegistrationCount,
  RegistrationCountQuery,
  SummarisedDispatch,
} from '../ports/health-queries.js'
import type { StoragePort } from '../ports/storage.js'
import { compareRecentDispatches, dailyKey, groupKey, groupOf, sumBy } from './health-semantics.js'

/** The token-health queries of a store, as the registry calls them. */
export interface HealthQueries {
  readonly countRegistrations: (query: RegistrationCountQuery) => Promise<readonly RegistrationCount[]>
  readonly readDailyCounts: (query: DailyCountQuery) => Promise<readonly DailyCount[]>
  readonly recentDispatches: (query: RecentDispatchQuery) => Promise<readonly SummarisedDispatch[]>
}

const pageSize = 4096

/**
 * The token-health queries answered from `scan` and `readChanges` alone, for a store that keeps
 * no counters: registrations are counted by scanning the app's registration records, dispatches
 * by scanning its dispatch records, and daily counters are folded from the change feed, so they
 * reach back only as far as the feed's retention (`changeRetention`, 30 days by default) and
 * lose what erasure forgot. Correct otherwise, at the cost of a scan: the registry uses each of
 * them when a store lacks the method, and an adapter may answer with them.
 *
 * @example
 * ```ts
 * const { recentDispatches } = scanHealthQueries({ scan, readChanges })
 * ```
 */
export const scanHealthQueries = (store: Pick<StoragePort, 'scan' | 'readChanges'>): HealthQueries => {
  async function* records(kind: 'registration' | 'dispatch', appId: RegistrationCountQuery['appId']) {
    let cursor: string | undefined
    do {
      const page = await store.scan({ kind, appId, limit: pageSize, ...(cursor === undefined ? {} : { cursor }) })
      for (const stored of page.records) if (stored.record.kind === kind && stored.record.appId === appId) yield stored.record
      cursor = page.next ?? undefined
    } while (cursor !== undefined)
  }

  const countRegistrations = async (query: RegistrationCountQuery): Promise<readonly RegistrationCount[]> => {
    const groups: RegistrationCount[] = []
    for await (const record of records('registration', query.appId)) {
      const entry = indexEntryOf(record) as RegistrationEntry | null
      if (entry !== null) groups.push({ ...groupOf(entry, query.bounds), count: 1 })
    }
    return sumBy(groups, groupKey)
  }

  const readDailyCounts = async (query: DailyCountQuery): Promise<readonly DailyCount[]> => {
    const counts: DailyCount[] = []
    let after: string | undefined
    for (;;) {
      const page = await store.readChanges({ limit: pageSize, ...(after === undefined ? {} : { after }) })
      for (const c of dailyIncrementsOf(page)) if (c.appId === query.appId && c.day >= query.fromDay && c.day <= query.toDay) counts.push(c)
      const last = page.at(-1)
      if (last === undefined || page.length < pageSize) return sumBy(counts, dailyKey)
      after = last.cursor
    }
  }

  const recentDispatches = async (query: RecentDispatchQuery): Promise<readonly SummarisedDispatch[]> => {
    let kept: SummarisedDispatch[] = []
    for await (const record of records('dispatch', query.appId)) {
      if ((record as DispatchRecord).sends === undefined) continue
      kept.push(record as SummarisedDispatch)
      // Keep the best `limit` only, so the fallback's memory does not grow with the dispatches.
      if (kept.length >= 2 * Math.max(1, query.limit)) kept = kept.sort(compareRecentDispatches).slice(0, query.limit)
    }
    return kept.sort(compareRecentDispatches).slice(0, Math.max(0, query.limit))
  }

  return { countRegistrations, readDailyCounts, recentDispatches }
}
