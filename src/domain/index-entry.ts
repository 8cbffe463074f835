import type { AppId, DeviceId, UserId } from './brand.js'
import type { SubscriptionState } from './input.js'
import type { RegistryRecord, TokenState } from './records.js'
import { subscriptionOf } from './subscription.js'

/**
 * What a store indexes of a registration so that `targets`, `segment`, `exportSegment`,
 * `idleTargets` and `registrations` are answered without loading records: its owners and its
 * token state (status, capability, token, APNs environment, the time of its last report, how it
 * ended). Liveness is not stored: a token's expiry and staleness are evaluated at the query's
 * `now` from `token.reportedAt` (R19, D7), so a policy change applies without re-indexing.
 */
export interface RegistrationEntry {
  readonly kind: 'registration'
  readonly appId: AppId
  readonly deviceId: DeviceId
  readonly owner: UserId | null
  /** Everyone the token is attributed to (R10); a user's segments and exports follow these. */
  readonly owners: readonly UserId[]
  readonly token: TokenState
}

/** What a store indexes of a user: the subscription state (R11, R12, R13), which is per user. */
export interface UserEntry {
  readonly kind: 'user'
  readonly userId: UserId
  readonly subscription: SubscriptionState
}

/** An index entry: at most one per record, derived from the record alone. */
export type IndexEntry = RegistrationEntry | UserEntry

/**
 * The index entry of a record, or `null` for records the queries do not index (tokens,
 * dispatches, contacts, and registrations of devices that never reported anything, which have
 * neither owner nor token). Pure: the registry derives it with every record it commits, and a
 * store without indexes of its own can derive it again from a stored record. The entry shares
 * the record's strings and arrays (no copies), so an in-memory index costs only the entry.
 */
export const indexEntryOf = (record: RegistryRecord): IndexEntry | null => {
  switch (record.kind) {
    case 'registration':
      if (!record.view.known) return null
      return {
        kind: 'registration',
        appId: record.appId,
        deviceId: record.deviceId,
        owner: record.view.owner,
        owners: record.view.owners,
        token: record.view.token,
      }
    case 'user':
      return { kind: 'user', userId: record.userId, subscription: subscriptionOf(record) }
    default:
      return null
  }
}

/** The order a user's registrations are listed in: by app, then device (as D2 lists them). */
export const compareRegistrations = (a: RegistrationEntry, b: RegistrationEntry): number =>
  a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0
