import type { App, Provider } from './app.js'
import { providerOf } from './app.js'

/** R10: who a device's token is attributed to. */
export type OwnershipMode = 'exclusive' | 'shared'

/** A duration in milliseconds. */
export type Duration = number

/** R19: when a token not seen for a while is flagged stale, and when it expires. */
export interface Staleness {
  /** Not seen for this long: flagged stale, still active (D7). */
  readonly staleAfter: Duration
  /** Not seen for this long: expired, inactive until a later session (D7); `null`: never. */
  readonly expireAfter: Duration | null
}

/** The rules of one app, as data (R5, R10, R12, R18, R19). */
export interface AppPolicy {
  /** R10: `exclusive` (R7, default) or `shared`. */
  readonly ownership: OwnershipMode
  /** R12: accepting the OS prompt sets `opted_in` (default on; never on Android ≤ 12). */
  readonly optInWhenPushAuthorized: boolean
  /** R19: staleness of this app's tokens, by default its provider's. */
  readonly staleness: Staleness
  /** R18, D6: ambiguous answers from distinct dispatches that confirm a token is dead. */
  readonly suspectConfirmations: number
  /**
   * D14: how far back from the newest `at` a registration has seen its history stays exact in
   * any order. Older facts are compacted to the last-writer-wins values they set.
   */
  readonly reorderWindow: Duration
  /**
   * R18: distinct tokens answering ambiguously in one dispatch, with none delivered and none
   * dead, from which the credential is blamed and the answers are no evidence (`failedAlike`).
   * `null`: never by count.
   */
  readonly ambiguousAlikeThreshold: number | null
}

/** Per-app overrides of the defaults; every field optional. */
export interface PolicyOverrides {
  readonly ownership?: OwnershipMode
  readonly optInWhenPushAuthorized?: boolean
  readonly staleAfter?: Duration
  readonly expireAfter?: Duration | null
  readonly suspectConfirmations?: number
  readonly reorderWindow?: Duration
  readonly ambiguousAlikeThreshold?: number | null
}

const day = 24 * 60 * 60 * 1000

/** D14: the default reorder window, 30 days. */
export const defaultReorderWindow: Duration = 30 * day

/** R19: 30 days to stale everywhere; FCM tokens expire after 270 days, Web Push after 60. */
export const defaultStaleness = (provider: Provider): Staleness => ({
  staleAfter: 30 * day,
  expireAfter: provider === 'fcm' ? 270 * day : provider === 'webpush' ? 60 * day : null,
})

/** The policy an app runs under: the defaults for its platform and provider, then overrides. */
export const resolvePolicy = (app: App, overrides: PolicyOverrides = {}): AppPolicy => {
  const staleness = defaultStaleness(providerOf(app))
  return {
    ownership: overrides.ownership ?? 'exclusive',
    optInWhenPushAuthorized: overrides.optInWhenPushAuthorized ?? true,
    staleness: {
      staleAfter: overrides.staleAfter ?? staleness.staleAfter,
      expireAfter: overrides.expireAfter === undefined ? staleness.expireAfter : overrides.expireAfter,
    },
    suspectConfirmations: overrides.suspectConfirmations ?? 3,
    reorderWindow: overrides.reorderWindow ?? defaultReorderWindow,
    ambiguousAlikeThreshold: overrides.ambiguousAlikeThreshold === undefined ? 2 : overrides.ambiguousAlikeThreshold,
  }
}
