import type { AppId, DeviceId, Instant, UserId } from './brand.js'
import type { EndReason } from './records.js'
import type { PushToken } from './token.js'

/** D1: the kinds of changelog entries (R9). */
export type ChangelogKind =
  | 'registered'
  | 'rotated'
  | 'transferred_out'
  | 'transferred_in'
  | 'invalidated'

/**
 * R9, D1: one change of a token's owner or status. `from` and `to` are users, `null` for the
 * anonymous owner (or for no one, after an invalidation).
 */
export interface ChangelogEntry {
  readonly at: Instant
  readonly appId: AppId
  readonly deviceId: DeviceId
  readonly kind: ChangelogKind
  readonly token: PushToken
  readonly previousToken?: PushToken
  readonly from: UserId | null
  readonly to: UserId | null
  readonly reason?: EndReason
}

/**
 * Whose changelog an entry belongs to: the user who lost the token for `transferred_out` and
 * `invalidated`, the user who got it for `registered` and `transferred_in`, the owner for
 * `rotated`.
 */
export const entryUser = (entry: ChangelogEntry): UserId | null => {
  switch (entry.kind) {
    case 'transferred_out':
    case 'invalidated':
      return entry.from
    case 'registered':
    case 'transferred_in':
    case 'rotated':
      return entry.to
  }
}
