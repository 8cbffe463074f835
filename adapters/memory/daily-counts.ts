import type { DailyCount, DailyCountDraft, DailyCountQuery } from 'push-registry'
import { dailyCountDays } from 'push-registry'

/**
 * The memory store's daily counters of invalidations and quarantines, per app, day, event and
 * reason, incremented by the commits that carry them. Bounded (D14): when an app's newest day
 * moves forward, days more than `dailyCountDays` before it are dropped.
 */
export class DailyCounts {
  private readonly byApp = new Map<string, { newest: number; readonly days: Map<number, Map<string, DailyCount>> }>()

  add(drafts: readonly DailyCountDraft[]): void {
    for (const draft of drafts) {
      let app = this.byApp.get(draft.appId)
      if (app === undefined) this.byApp.set(draft.appId, (app = { newest: draft.day, days: new Map() }))
      let day = app.days.get(draft.day)
      if (day === undefined) app.days.set(draft.day, (day = new Map()))
      const key = `${draft.event}\u0000${draft.reason}`
      const prior = day.get(key)
      day.set(key, { appId: draft.appId, day: draft.day, event: draft.event, reason: draft.reason, count: (prior?.count ?? 0) + draft.count })
      if (draft.day > app.newest) {
        app.newest = draft.day
        for (const old of app.days.keys()) if (old < app.newest - dailyCountDays) app.days.delete(old)
      }
    }
  }

  read(query: DailyCountQuery): DailyCount[] {
    const app = this.byApp.get(query.appId)
    if (app === undefined) return []
    const out: DailyCount[] = []
    for (const [day, counts] of app.days) {
      if (day < query.fromDay || day > query.toDay) continue
      for (const count of counts.values()) if (count.count !== 0) out.push(count)
    }
    return out
  }
}
