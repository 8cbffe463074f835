import type { Instant, UserId } from './brand.js'
import { erasedUser } from './erased-user.js'
import type { DeviceFact } from './input.js'
import type { KeptFact } from './repeats.js'
import { everyOccurrence, keptFactsOf, newestAt } from './repeats.js'
import type { ChangelogEntryRecord, ContactRecord, RegistrationRecord } from './records.js'

/** Whether a fact names `userId` (a login, a logout, a session started by them). */
const names = (fact: DeviceFact, userId: UserId): boolean =>
  (fact.type === 'user_changed' || fact.type === 'logged_out' || fact.type === 'session_started') && fact.userId === userId

/**
 * A registration's facts with `userId` erased: every fact that named them names
 * `erasedUser` instead (history keeps its shape: their login still took the token from its
 * previous owner), and a `user_erased` mark at `at`, or at the newest fact if that is later,
 * ends a token that only erased users owned. Sorted again (R20), without duplicates, repeats
 * joined.
 * `null` when no fact names the user.
 */
export const eraseFromFacts = (record: RegistrationRecord, userId: UserId, at: Instant): readonly KeptFact[] | null => {
  if (!record.facts.some((fact) => names(fact, userId))) return null
  const newest = Math.max(at, newestAt(record.facts) ?? at) as Instant
  // Rewritten, two facts that differed only by the user may become repeats of each other.
  const rewritten: DeviceFact[] = everyOccurrence(record.facts).map((fact) => (names(fact, userId) ? { ...fact, userId: erasedUser } : fact))
  rewritten.push({ type: 'user_erased', at: newest, appId: record.appId, deviceId: record.deviceId })
  return keptFactsOf(rewritten)
}

/**
 * D11: a contact address without `userId`'s claim: the same record if they never claimed it,
 * `null` when no one else did (the record goes).
 */
export const eraseFromContact = (record: ContactRecord, userId: UserId): ContactRecord | null => {
  if (!record.claims.some((claim) => claim.userId === userId)) return record
  const claims = record.claims.filter((claim) => claim.userId !== userId)
  return claims.length === 0 ? null : { ...record, claims }
}

/**
 * D14: a registration without `userId`'s settled opt-in (its facts are rewritten by
 * {@link eraseFromFacts}); the same record when it has none.
 */
export const eraseFromSettled = (record: RegistrationRecord, userId: UserId): RegistrationRecord => {
  const settled = record.settledOptIns
  if (settled === undefined || !settled.some((o) => o.userId === userId)) return record
  const { settledOptIns: _, ...rest } = record
  const kept = settled.filter((o) => o.userId !== userId)
  return kept.length === 0 ? rest : { ...rest, settledOptIns: kept }
}

/**
 * R9, D14: a settled changelog entry without `userId`: `null` (the record goes) when it is
 * theirs, else the entry with them as no one where it names them (`from`, `to`).
 */
export const eraseFromChangelog = (record: ChangelogEntryRecord, userId: UserId): ChangelogEntryRecord | null => {
  if (record.userId === userId) return null
  const { entry } = record
  if (entry.from !== userId && entry.to !== userId) return record
  return { ...record, entry: { ...entry, from: entry.from === userId ? null : entry.from, to: entry.to === userId ? null : entry.to } }
}
