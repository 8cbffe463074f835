import type { AppId, DeviceId, DispatchId, Instant, UserId } from './brand.js'
import type { Capability } from './capability.js'
import type { ChangelogEntry } from './changelog.js'
import type { ApnsEnvironment, SubscriptionState } from './input.js'
import type { PushToken, TokenKey } from './token.js'
import type { KeptFact } from './repeats.js'

/**
 * The records the registry keeps, as JSON-safe data: what a storage adapter stores and returns
 * unchanged. Each holds the *set* of accepted inputs about one thing (a device, a token, a
 * user, a dispatch, a contact address), plus a view derived from it; since sets merge the same
 * way in any order, so do records (R20, I9).
 */
export type RegistryRecord =
  | RegistrationRecord
  | TokenRecord
  | UserRecord
  | DispatchRecord
  | ContactRecord
  | DeliveryMarkRecord
  | ChangelogEntryRecord
  | UserLinksRecord

export type RecordKind = RegistryRecord['kind']

/**
 * Why a registration's token stopped being usable (D1). `expired` appears only in histories
 * folded at a query's `now` (R19, D7): stored views leave expiry to query time. `erased`: the
 * owner was erased (`registry.erase`).
 */
export type EndReason = 'dead' | 'uninstalled' | 'moved' | 'revoked' | 'expired' | 'erased'

/**
 * The token side of a registration, as a tagged union so that an inactive registration cannot
 * carry a capability and an active one cannot carry an end reason.
 */
export type TokenState =
  | { readonly status: 'none' }
  | {
      readonly status: 'active'
      readonly token: PushToken
      readonly key: TokenKey
      readonly capability: Capability
      /** Last registered: the latest session or token report of this token (R17, R19). */
      readonly reportedAt: Instant
      readonly environment?: ApnsEnvironment
    }
  | {
      /** R18, D6: quarantined after an ambiguous answer; not a target, not in segments. */
      readonly status: 'suspect'
      readonly token: PushToken
      readonly key: TokenKey
      readonly reportedAt: Instant
      readonly since: Instant
    }
  | {
      readonly status: 'ended'
      readonly token: PushToken
      readonly key: TokenKey
      readonly reason: EndReason
      readonly endedAt: Instant
      readonly reportedAt: Instant
    }

/** A user whom a registration's opt-in (R12, D3) is attributed to, with its latest time. */
export interface OptIn {
  readonly userId: UserId
  readonly at: Instant
}

/** What a registration's facts fold to; recomputed whenever they or its token's record change. */
export interface RegistrationView {
  /** R7: the last user who logged in (exclusive), or the latest still signed in (shared). */
  readonly owner: UserId | null
  /** Everyone the token is attributed to: `[owner]` in exclusive mode, the signed-in accounts in shared mode (R10). */
  readonly owners: readonly UserId[]
  /** D2: every user who has been seen on this registration. */
  readonly seenUsers: readonly UserId[]
  readonly token: TokenState
  readonly optIns: readonly OptIn[]
  /** Whether the device ever reported a session, a token or a user; others are not listed. */
  readonly known: boolean
}

/**
 * One `(appId, deviceId)`: its facts, in R20 order without duplicates, and their view. The
 * facts are bounded (D14): before `horizon` only the facts that set a last-writer-wins value
 * are kept (`compaction.ts`), and repeats are kept as one fact with the gaps between their
 * occurrences (`repeats.ts`).
 */
export interface RegistrationRecord {
  readonly kind: 'registration'
  readonly appId: AppId
  readonly deviceId: DeviceId
  readonly facts: readonly KeptFact[]
  readonly view: RegistrationView
  /** D14: the newest `at` seen minus the reorder window; absent until the first fact. */
  readonly horizon?: Instant
  /** D14: opt-ins the fold produced before the horizon, which the kept facts no longer give. */
  readonly settledOptIns?: readonly OptIn[]
}

/** A device's report of a token at a time (R3: the latest report holds the token). */
export interface Claim {
  readonly deviceId: DeviceId
  readonly at: Instant
}

/** An ambiguous answer (R18), identified by its dispatch. */
export interface AmbiguousAnswer {
  readonly at: Instant
  readonly dispatchId: DispatchId | null
}

/**
 * One token value of one app (R4): who reported it, and the provider's evidence about it.
 * Bounded whatever the number of answers (D14): between two reports of the token it keeps the
 * answers that decide something and the latest few of each kind (`token-evidence.ts`).
 */
export interface TokenRecord {
  readonly kind: 'token'
  readonly appId: AppId
  readonly key: TokenKey
  /**
   * R3: the reports that took the token (the first report, and every report that followed
   * another device's), in R3 order, the latest `claimsKept` (`claims.ts`): the token's holders
   * one after the other, each from its claim until the next. Records of earlier releases hold
   * each device's latest report instead, and are read as such a timeline.
   */
  readonly claims: readonly Claim[]
  /** The latest report of the token by any device; absent in records of earlier releases. */
  readonly lastReport?: Claim
  /** R17: evidence times of `dead` answers, sorted, unique; per stretch the first and the latest few. */
  readonly deaths: readonly Instant[]
  /** R18, D6: ambiguous answers, sorted by time and dispatch; those that can decide a quarantine, and the latest few. */
  readonly ambiguous: readonly AmbiguousAnswer[]
  /** Times of `delivered` answers (they clear a quarantine, D6), sorted, unique; those that clear a kept answer, and the latest few. */
  readonly deliveries: readonly Instant[]
  /**
   * D14, R18: per stretch between two reports, the time up to which its quarantines were
   * compacted away (the delivery that cleared the last one dropped); an ambiguous answer or a
   * delivery at or before it is not recorded again. Sorted; absent: none.
   */
  readonly settled?: readonly Instant[]
}

/** A last-writer-wins value (R11): the latest by time, ties broken by content. */
export interface Stamped<A> {
  readonly at: Instant
  readonly value: A
}

export interface RegistrationRef {
  readonly appId: AppId
  readonly deviceId: DeviceId
}

/** R12, D3: the latest opt-in attributed to a user, and the registration it is on. */
export interface LatestOptIn extends RegistrationRef {
  readonly at: Instant
}

/**
 * One user: explicit settings, contact attributes, and their latest opt-in. Bounded whatever
 * the number of devices the user was seen on (D14): where they were seen is listed by their
 * links ({@link UserLinksRecord}), and what each registration attributes to them is in that
 * registration's view.
 */
export interface UserRecord {
  readonly kind: 'user'
  readonly userId: UserId
  /** R11: the latest explicit `subscription_set`. */
  readonly subscription: Stamped<SubscriptionState> | null
  readonly email: Stamped<string | null> | null
  readonly phone: Stamped<string | null> | null
  /**
   * R12: the latest opt-in any registration attributes to this user (ties: the smallest
   * registration); absent: none. Every change of one of their opt-ins writes this record, so
   * that a commit which recomputes it from their registrations conflicts with any other.
   */
  readonly latestOptIn?: LatestOptIn
  /** R9, D14: how many settled changelog entries this user has (`ChangelogEntryRecord`s 0…n-1); absent: none. */
  readonly changelog?: number
  /**
   * Written by a release before user links: the registrations the user was seen on (D2),
   * sorted. Read as links until the record's next write moves them into links.
   */
  readonly registrations?: readonly RegistrationRef[]
  /** Written by a release before user links: the latest opt-in per registration (R12). */
  readonly optIns?: readonly (RegistrationRef & { readonly at: Instant })[]
  /**
   * The record was first written by a release before user links: what it named then beyond
   * the registrations it listed (a logout alone, contact addresses, others' changelog entries)
   * is not linked, so erasing the user also scans for it.
   */
  readonly unlinked?: true
}

/**
 * What names a user, as their links list it: a registration they were named on (seen, D2, or
 * only logged out of), a contact address they claimed (D11), another user's settled changelog
 * entry that names them in `from` or `to` (R9).
 */
export type UserLink =
  | { readonly kind: 'registration'; readonly appId: AppId; readonly deviceId: DeviceId }
  | { readonly kind: 'contact'; readonly contact: ContactKind; readonly value: string }
  | { readonly kind: 'changelog'; readonly userId: UserId; readonly seq: number }

/**
 * D14: one node of a user's links, a trie over the links' hashes (hex digits, `linkHash`): the
 * root is `node: ''`. A leaf lists at most `linkCapacity` links sorted by id; when a link would
 * overflow it, it becomes an inner node listing its children (the next digit) and its links
 * move into them. Nodes split only when their prefix holds more than the capacity, so the trie
 * is a function of the set of links, whatever the order they came in (I9). Listing a user's
 * links reads it by key, level by level (no scan, no port query); adding one reads its path.
 */
export interface UserLinksRecord {
  readonly kind: 'links'
  readonly userId: UserId
  readonly node: string
  /** A leaf: its links, sorted by `linkId`. */
  readonly links?: readonly UserLink[]
  /** An inner node: the digits of its children, sorted. */
  readonly children?: readonly string[]
}

/** A `delivery_reported` event (D14): what the SDK can report about one push on one device. */
export type DeliveryEvent = 'received' | 'opened'

/**
 * One send (D6), what its answers say about its credential (R18), and the SDK's delivery
 * statistics for it. Bounded whatever the audience (D14): see `dispatch-verdict.ts`. The
 * statistics are counters: each device is counted once per event because its
 * {@link DeliveryMarkRecord} is written in the same commit as the increment, and only when it
 * was absent.
 */
export interface DispatchRecord {
  readonly kind: 'dispatch'
  readonly appId: AppId
  readonly dispatchId: DispatchId
  /** The two smallest delivered token keys, sorted: enough to know whether *another* token was delivered. */
  readonly delivered: readonly TokenKey[]
  /** The smallest token keys (at most `ambiguousKeptPerDispatch`) that got an ambiguous answer in this dispatch, sorted. */
  readonly ambiguous: readonly TokenKey[]
  /** R18: some token answered `dead` in this dispatch, so its credential works. Absent: none did. */
  readonly dead?: boolean
  /** Devices that reported the push received, each counted once. */
  readonly received: number
  /** Devices that reported it opened, each counted once. */
  readonly opened: number
  /** What the dispatcher's sends under this id reported when they ended; absent: none did. */
  readonly sends?: DispatchSends
}

/** What the dispatcher reports of a send, provider side. */
export interface SendCounts {
  /** Distinct tokens addressed. */
  readonly targeted: number
  /** Targets handed to the provider. */
  readonly sent: number
  /** Accepted by the provider. */
  readonly delivered: number
  /** Answered `dead` (R16, R17). */
  readonly dead: number
  /** Answered `ambiguous` and quarantined (R18, D6). */
  readonly suspect: number
}

/**
 * The provider-side statistics of a dispatch, summed over the dispatcher's sends that used its
 * id (usually one). Each send is counted once: its run id is kept among the latest
 * `sendRunsKept`, and a summary whose run id is there already changes nothing (a retried
 * write). Bounded whatever the audience or the number of sends (D14).
 */
export interface DispatchSends extends SendCounts {
  /** Sends counted. */
  readonly runs: number
  /** The run ids of the latest counted sends, oldest first, at most `sendRunsKept`. */
  readonly recent: readonly string[]
  readonly kind: 'alert' | 'background'
  /** When the first counted send started and the latest ended (the dispatcher's clock). */
  readonly firstAt: Instant
  readonly lastAt: Instant
}

/**
 * D14: one device reported one event of one dispatch. Its presence is what makes the
 * dispatch's counter exact under duplicates, retries and concurrent registries; it never
 * changes once written.
 */
export interface DeliveryMarkRecord {
  readonly kind: 'delivery'
  readonly appId: AppId
  readonly dispatchId: DispatchId
  readonly deviceId: DeviceId
  readonly event: DeliveryEvent
}

export type ContactKind = 'email' | 'phone'

/** A contact address and the users who claimed it (D11), latest claim per user. */
export interface ContactRecord {
  readonly kind: 'contact'
  readonly contact: ContactKind
  readonly value: string
  readonly claims: readonly { readonly userId: UserId; readonly at: Instant }[]
}

/**
 * R9, I7, D14: one settled changelog entry of one user, the `seq`-th (from 0) appended to
 * that user's changelog. Written once, never changed: the changelog is append-only.
 */
export interface ChangelogEntryRecord {
  readonly kind: 'changelog'
  readonly userId: UserId
  readonly seq: number
  readonly entry: ChangelogEntry
}

/** Names one record, whatever its kind. */
export type RecordKey =
  | { readonly kind: 'registration'; readonly appId: AppId; readonly deviceId: DeviceId }
  | { readonly kind: 'token'; readonly appId: AppId; readonly key: TokenKey }
  | { readonly kind: 'user'; readonly userId: UserId }
  | { readonly kind: 'dispatch'; readonly appId: AppId; readonly dispatchId: DispatchId }
  | { readonly kind: 'contact'; readonly contact: ContactKind; readonly value: string }
  | {
      readonly kind: 'delivery'
      readonly appId: AppId
      readonly dispatchId: DispatchId
      readonly deviceId: DeviceId
      readonly event: DeliveryEvent
    }
  | { readonly kind: 'changelog'; readonly userId: UserId; readonly seq: number }
  | { readonly kind: 'links'; readonly userId: UserId; readonly node: string }

const sep = '\u0000'

/** A string that names a record uniquely; what adapters index records by. */
export const recordId = (key: RecordKey | RegistryRecord): string => {
  switch (key.kind) {
    case 'registration':
      return `r${sep}${key.appId}${sep}${key.deviceId}`
    case 'token':
      return `t${sep}${key.appId}${sep}${key.key}`
    case 'user':
      return `u${sep}${key.userId}`
    case 'dispatch':
      return `d${sep}${key.appId}${sep}${key.dispatchId}`
    case 'contact':
      return `c${sep}${key.contact}${sep}${key.value}`
    case 'delivery':
      return `m${sep}${key.appId}${sep}${key.dispatchId}${sep}${key.event}${sep}${key.deviceId}`
    case 'changelog':
      return `l${sep}${key.userId}${sep}${key.seq}`
    case 'links':
      return `n${sep}${key.userId}${sep}${key.node}`
  }
}

export const registrationKey = (appId: AppId, deviceId: DeviceId): RecordKey => ({
  kind: 'registration',
  appId,
  deviceId,
})
export const tokenRecordKey = (appId: AppId, key: TokenKey): RecordKey => ({ kind: 'token', appId, key })
export const userKey = (userId: UserId): RecordKey => ({ kind: 'user', userId })
export const dispatchKey = (appId: AppId, dispatchId: DispatchId): RecordKey => ({
  kind: 'dispatch',
  appId,
  dispatchId,
})
export const changelogEntryKey = (userId: UserId, seq: number): RecordKey => ({ kind: 'changelog', userId, seq })
export const userLinksKey = (userId: UserId, node: string): RecordKey => ({ kind: 'links', userId, node })
export const deliveryMarkKey = (appId: AppId, dispatchId: DispatchId, deviceId: DeviceId, event: DeliveryEvent): RecordKey => ({
  kind: 'delivery',
  appId,
  dispatchId,
  deviceId,
  event,
})
