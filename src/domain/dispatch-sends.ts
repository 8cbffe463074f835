import type { Instant } from './brand.js'
import type { DispatchRecord, DispatchSends, SendCounts } from './records.js'

/** How many run ids a dispatch record keeps to recognise a summary written again (D14). */
export const sendRunsKept = 16

/** What one send of the dispatcher reports when it ends, as its dispatch record keeps it. */
export interface SendSummary extends SendCounts {
  /** Unique per send (the dispatcher draws one); a summary written twice counts once. */
  readonly runId: string
  readonly kind: 'alert' | 'background'
  readonly startedAt: Instant
  readonly finishedAt: Instant
}

/**
 * The dispatch record with one more send counted, or the very same record when that send's
 * run id is among the kept ones (a retried write: nothing to count). The kind shown is that
 * of the send that ended last.
 */
export const withSend = (record: DispatchRecord, summary: SendSummary): DispatchRecord => {
  const prior: DispatchSends | undefined = record.sends
  if (prior?.recent.includes(summary.runId) === true) return record
  const later = prior === undefined || summary.finishedAt >= prior.lastAt
  const sends: DispatchSends = {
    runs: (prior?.runs ?? 0) + 1,
    recent: [...(prior?.recent ?? []), summary.runId].slice(-sendRunsKept),
    kind: later ? summary.kind : (prior as DispatchSends).kind,
    targeted: (prior?.targeted ?? 0) + summary.targeted,
    sent: (prior?.sent ?? 0) + summary.sent,
    delivered: (prior?.delivered ?? 0) + summary.delivered,
    dead: (prior?.dead ?? 0) + summary.dead,
    suspect: (prior?.suspect ?? 0) + summary.suspect,
    firstAt: Math.min(prior?.firstAt ?? Infinity, summary.startedAt) as Instant,
    lastAt: Math.max(prior?.lastAt ?? -Infinity, summary.finishedAt) as Instant,
  }
  return { ...record, sends }
}
