import type { Instant, RegistrationCount, RegistrationEntry } from 'push-registry'
import { SortedMultiset } from './sorted-multiset.js'

/** One app's registration entries: how many have no token, and the `reportedAt` of the others by group. */
interface AppCounts {
  none: number
  readonly groups: Map<string, { readonly status: 'active' | 'suspect' | 'ended'; readonly capability: RegistrationCount['capability']; readonly times: SortedMultiset }>
}

/**
 * The memory store's registration counters, kept up to date on every commit: per app and
 * group (token status, and capability of an active token), the sorted `reportedAt` of its
 * entries. Counting an app's entries by band is one `countBelow` per group and bound, whatever
 * the number of entries, and a write moves one value out of one group and into another.
 */
export class RegistrationCounts {
  private readonly byApp = new Map<string, AppCounts>()

  /** A registration's entry changed from `before` to `after` (either may be absent). */
  replace(before: RegistrationEntry | null | undefined, after: RegistrationEntry | null): void {
    if (before != null) this.move(before, -1)
    if (after !== null) this.move(after, 1)
  }

  /** The app's entries by group and band of `bounds` (ascending), none with count 0. */
  count(appId: string, bounds: readonly Instant[]): RegistrationCount[] {
    const app = this.byApp.get(appId)
    if (app === undefined) return []
    const out: RegistrationCount[] = app.none > 0 ? [{ status: 'none', capability: null, band: 0, count: app.none }] : []
    for (const { status, capability, times } of app.groups.values()) {
      let below = 0
      for (let band = 0; band <= bounds.length; band++) {
        const upTo = band === bounds.length ? times.size : times.countBelow(bounds[band] as number)
        if (upTo > below) out.push({ status, capability, band, count: upTo - below })
        below = Math.max(below, upTo)
      }
    }
    return out
  }

  private move(entry: RegistrationEntry, delta: 1 | -1): void {
    let app = this.byApp.get(entry.appId)
    if (app === undefined) this.byApp.set(entry.appId, (app = { none: 0, groups: new Map() }))
    const token = entry.token
    if (token.status === 'none') {
      app.none += delta
      return
    }
    const capability = token.status === 'active' ? token.capability : null
    const key = `${token.status}:${capability ?? ''}`
    let group = app.groups.get(key)
    if (group === undefined) app.groups.set(key, (group = { status: token.status, capability, times: new SortedMultiset() }))
    if (delta === 1) group.times.add(token.reportedAt)
    else group.times.remove(token.reportedAt)
  }
}
