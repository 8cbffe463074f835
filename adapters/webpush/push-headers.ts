import { createHash } from 'node:crypto'

/** RFC 8030 §5.3: how soon the push service should deliver. */
export type Urgency = 'very-low' | 'low' | 'normal' | 'high'

/** The urgency used for each kind of push. */
export interface UrgencyByKind {
  readonly alert: Urgency
  readonly background: Urgency
}

/**
 * Alerts are shown to a person, so they go `high` (delivered even on a device saving battery);
 * background pushes go `low` (`very-low` would wait for power and Wi-Fi, which is too late for
 * most syncs). Web has no background push per R5; the mapping exists for a host that sends one.
 */
export const defaultUrgency: UrgencyByKind = { alert: 'high', background: 'low' }

/** Four weeks, the longest most push services keep a message. */
export const defaultTtlSeconds = 4 * 7 * 24 * 60 * 60

/**
 * RFC 8030 §5.2: seconds the push service may keep the message, from `expiresAt`. A time
 * already past gives 0 (deliver now or drop) rather than no push at all: the push service
 * decides, as it would for a message whose TTL ran out in its queue.
 */
export const ttlSeconds = (expiresAt: number | undefined, nowMs: number, fallback: number): number =>
  expiresAt === undefined ? fallback : Math.max(0, Math.ceil((expiresAt - nowMs) / 1000))

const topicPattern = /^[A-Za-z0-9_-]{1,32}$/

/**
 * RFC 8030 §5.4: a `Topic` is at most 32 base64url characters. A `collapseId` that is one is
 * sent as is (readable in the push service's logs); any other non-empty one is hashed, so that
 * the same id always collapses onto the same topic. 32 base64url characters keep 192 bits of
 * the SHA-256, far beyond any collision risk.
 */
export const topicOf = (collapseId: string | undefined): string | undefined => {
  if (collapseId === undefined || collapseId === '') return undefined
  if (topicPattern.test(collapseId)) return collapseId
  return createHash('sha256').update(collapseId, 'utf8').digest('base64url').slice(0, 32)
}
