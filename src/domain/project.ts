import type { App } from './app.js'
import type { Instant } from './brand.js'
import type { ChangelogEntry } from './changelog.js'
import type { DeviceFact } from './input.js'
import type { AppPolicy } from './policy.js'
import { currentTokenKey, foldRegistration } from './registration-fold.js'
import type { RegistrationRecord, RegistrationView } from './records.js'
import type { Reads } from './world.js'

/**
 * The view of a registration from its facts and the record of its current token only, so
 * that it never depends on which other records happen to be at hand.
 */
export const projectRegistration = (
  record: Pick<RegistrationRecord, 'appId' | 'deviceId'>,
  facts: readonly DeviceFact[],
  app: App,
  policy: AppPolicy,
  read: Reads,
): RegistrationView => {
  const current = currentTokenKey(facts)
  return foldRegistration(facts, {
    appId: record.appId,
    deviceId: record.deviceId,
    platform: app.platform,
    policy,
    tokens: (key) => (key === current ? read.token(record.appId, key) : undefined),
    dispatch: (dispatchId) => read.dispatch(record.appId, dispatchId),
  }).view
}

/**
 * R9, I7: a registration's full changelog as of `now`, with what happened to every token it
 * held, expiries included (R19, D7).
 */
export const registrationChangelog = (
  record: RegistrationRecord,
  app: App,
  policy: AppPolicy,
  read: Reads,
  now: Instant,
): readonly ChangelogEntry[] =>
  foldRegistration(record.facts, {
    appId: record.appId,
    deviceId: record.deviceId,
    platform: app.platform,
    policy,
    tokens: (key) => read.token(record.appId, key),
    dispatch: (dispatchId) => read.dispatch(record.appId, dispatchId),
    now,
  }).changelog
