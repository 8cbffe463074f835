import type { DispatchRecord, SummarisedDispatch } from 'push-registry'
import { compareRecentDispatches } from 'push-registry'

/**
 * Per app, the dispatch records that have a send summary, kept sorted latest first: the recent
 * dispatches are the head of the list. A write whose summary moved re-sorts one record
 * (binary search, then one splice).
 */
export class RecentDispatches {
  private readonly byApp = new Map<string, SummarisedDispatch[]>()

  /** A dispatch record changed from `before` to `after` (either may be absent). */
  replace(before: DispatchRecord | undefined, after: DispatchRecord | undefined): void {
    const list = this.listOf((after ?? before)?.appId ?? '')
    if (before?.sends !== undefined) {
      const i = position(list, before as SummarisedDispatch)
      if (list[i]?.dispatchId === before.dispatchId) list.splice(i, 1)
    }
    if (after?.sends !== undefined) list.splice(position(list, after as SummarisedDispatch), 0, after as SummarisedDispatch)
  }

  recent(appId: string, limit: number): SummarisedDispatch[] {
    return (this.byApp.get(appId) ?? []).slice(0, Math.max(0, limit))
  }

  private listOf(appId: string): SummarisedDispatch[] {
    let list = this.byApp.get(appId)
    if (list === undefined) this.byApp.set(appId, (list = []))
    return list
  }
}

/** Where `record` stands (or would) in a list sorted by `compareRecentDispatches`. */
const position = (list: readonly SummarisedDispatch[], record: SummarisedDispatch): number => {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compareRecentDispatches(list[mid] as SummarisedDispatch, record) < 0) lo = mid + 1
    else hi = mid
  }
  return lo
}
