import type { App } from './app.js'
import type { Instant } from './brand.js'
import type { ChangelogEntry } from './changelog.js'
import type { DeviceFact } from './input.js'
import { canonicalKey } from './order.js'
import type { AppPolicy } from './policy.js'
import type { Folded } from './registration-fold.js'
import { currentTokenKey, foldRegistration } from './registration-fold.js'
import type { RegistrationRecord, RegistrationView } from './records.js'
import type { TokenKey } from './token.js'
import type { Reads } from './world.js'

/** What a fold needs of a registration besides its facts. */
export type RegistrationShell = Pick<RegistrationRecord, 'appId' | 'deviceId' | 'horizon' | 'settledOptIns'>

/**
 * The fold of a registration with the evidence of one token only (`key`; `null`: none;
 * `'every'`: every token it reported). With its current token, it gives the view, which then
 * never depends on which other records happen to be at hand; with another, what that token's
 * evidence did to the history; with every token, its changelog (R9), and with `now`, expiries
 * on the way (R19, D7).
 */
export const foldEvidence = (
  record: RegistrationShell,
  facts: readonly DeviceFact[],
  key: TokenKey | null | 'every',
  app: App,
  policy: AppPolicy,
  read: Reads,
  now?: Instant,
): Folded =>
  // One literal (absent optional fields as `undefined`): this runs for every input of a device.
  foldRegistration(facts, {
    appId: record.appId,
    deviceId: record.deviceId,
    platform: app.platform,
    policy,
    dispatch: (dispatchId) => read.dispatch(record.appId, dispatchId),
    tokens: key === null ? noTokens : (k) => (key === 'every' || k === key ? read.token(record.appId, k) : undefined),
    now,
    horizon: record.horizon,
    settledOptIns: record.settledOptIns,
  })

const noTokens = (): undefined => undefined

/** The view of a registration: its fold with the evidence of its current token (see {@link foldEvidence}). */
export const projectRegistration = (
  record: RegistrationShell,
  facts: readonly DeviceFact[],
  app: App,
  policy: AppPolicy,
  read: Reads,
): RegistrationView => foldEvidence(record, facts, currentTokenKey(facts), app, policy, read).view

/**
 * R9, I7, D14: the changelog entries of a registration's window as of `now`, with what happened
 * to every token it held, expiries included (R19, D7). Entries before the horizon are settled
 * (stored as records of their own, expiries included) and not re-derived here.
 */
export const registrationChangelog = (
  record: RegistrationRecord,
  app: App,
  policy: AppPolicy,
  read: Reads,
  now: Instant,
): readonly ChangelogEntry[] => {
  const entries = foldEvidence(record, record.facts, 'every', app, policy, read, now).changelog
  const horizon = record.horizon
  return horizon === undefined ? entries : entries.filter((e) => e.at >= horizon)
}

/** The entries of `after` that `before` does not have, as multisets of entries. */
export const entriesNotIn = (after: readonly ChangelogEntry[], before: readonly ChangelogEntry[]): ChangelogEntry[] => {
  const counts = new Map<string, number>()
  for (const e of before) counts.set(canonicalKey(e), (counts.get(canonicalKey(e)) ?? 0) + 1)
  return after.filter((e) => {
    const key = canonicalKey(e)
    const left = counts.get(key) ?? 0
    if (left === 0) return true
    counts.set(key, left - 1)
    return false
  })
}
