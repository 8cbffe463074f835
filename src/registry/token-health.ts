import type { AppId, DispatchId, Instant } from '../domain/brand.js'
import type { DailyPoint, RegistrationHealth } from '../domain/token-health.js'
import { dailySeries, dayOf, healthBounds, registrationHealth } from '../domain/token-health.js'
import type { QueryDeps } from './queries.js'

/** One recent dispatch: the dispatcher's counts (summed over its sends) and the SDK's. */
export interface DispatchHealth {
  readonly dispatchId: DispatchId
  readonly kind: 'alert' | 'background'
  /** Sends counted under this id (usually 1). */
  readonly runs: number
  readonly targeted: number
  /** Handed to the provider / accepted / answered dead / quarantined, as the sends reported them. */
  readonly sent: number
  readonly delivered: number
  readonly dead: number
  readonly suspect: number
  /** Devices that reported the push received / opened (`delivery_reported`), each once (D14). */
  readonly received: number
  readonly opened: number
  readonly firstAt: Instant
  readonly lastAt: Instant
}

/** One app's token health at `at`: registrations, daily invalidations and quarantines, recent dispatches. */
export interface TokenHealth {
  readonly appId: AppId
  /** The query's `now` (R19, D7). */
  readonly at: Instant
  readonly registrations: RegistrationHealth
  /** The last `days` UTC days up to `at`'s, oldest first; counts by reason, `quarantined` for R18. */
  readonly days: readonly DailyPoint[]
  /** The latest dispatches the dispatcher recorded, latest first. */
  readonly dispatches: readonly DispatchHealth[]
}

/** Options of `registry.tokenHealth`. */
export interface TokenHealthOptions {
  /** Days of the daily series, 1 to 400. Default 30. */
  readonly days?: number
  /** Recent dispatches, 0 to 100. Default 10. */
  readonly dispatches?: number
}

const clamp = (value: number | undefined, fallback: number, min: number, max: number): number =>
  value === undefined || !Number.isFinite(value) ? fallback : Math.min(max, Math.max(min, Math.floor(value)))

/**
 * The token-health overview of one app, from three store queries whose cost does not grow
 * with the store on an adapter that has them (see docs/architecture.md): registration counts
 * banded by the app's staleness bounds at `now`, the daily counters, the recent dispatches.
 * `null` for an app the registry does not serve.
 */
export const tokenHealth = async (deps: QueryDeps, appId: AppId, options: TokenHealthOptions = {}): Promise<TokenHealth | null> => {
  if (deps.catalog.app(appId) === undefined) return null
  const now = deps.now()
  const days = clamp(options.days, 30, 1, 400)
  const bounds = healthBounds(deps.catalog.policy(appId).staleness, now)
  const toDay = dayOf(now)
  const [groups, counts, dispatches] = await Promise.all([
    deps.storage.countRegistrations({ appId, bounds: bounds.bounds }),
    deps.storage.readDailyCounts({ appId, fromDay: toDay - days + 1, toDay }),
    deps.storage.recentDispatches({ appId, limit: clamp(options.dispatches, 10, 0, 100) }),
  ])
  return {
    appId,
    at: now,
    registrations: registrationHealth(groups, bounds),
    days: dailySeries(counts, toDay, days),
    dispatches: dispatches.map((d) => ({
      dispatchId: d.dispatchId,
      kind: d.sends.kind,
      runs: d.sends.runs,
      targeted: d.sends.targeted,
      sent: d.sends.sent,
      delivered: d.sends.delivered,
      dead: d.sends.dead,
      suspect: d.sends.suspect,
      received: d.received,
      opened: d.opened,
      firstAt: d.sends.firstAt,
      lastAt: d.sends.lastAt,
    })),
  }
}
