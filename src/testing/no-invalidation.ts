import type { RegistrationSummary } from 'push-registry'
import { canonicalJson } from './canonical.js'
import { where } from './invariants.js'
import type { Snapshot } from './snapshot.js'

/** How far a registration is from receiving pushes: live, quarantined or expired, ended. */
const distance = (status: RegistrationSummary['status']): number => (status === 'ended' ? 2 : status === 'suspect' || status === 'expired' ? 1 : 0)

/**
 * I10 (R16): what `answered` (the state reached with extra `credentials` and `payload` answers)
 * may differ from `base` (without them) in: nothing may be invalidated. No registration is
 * further from receiving pushes, none holds another token, and every target of `base` is still
 * a target. The answers may leave a token *more* usable: R18 reads a dispatch whose every
 * token failed alike, credentials answer included, as a credentials failure and quarantines
 * nothing, so an answer of the same dispatch may keep a token active that `base` quarantined.
 */
export const invalidationsBetween = (base: Snapshot, answered: Snapshot): string[] => {
  const problems: string[] = []
  const after = new Map(answered.registrations.map((row) => [where(row), row]))
  for (const before of base.registrations) {
    const row = after.get(where(before))
    if (row === undefined) problems.push(`I10: ${where(before)} is no longer listed`)
    else if (distance(row.status) > distance(before.status)) problems.push(`I10: ${where(before)} is ${row.status} with the answers, ${before.status} without`)
    else if (canonicalJson(row.token) !== canonicalJson(before.token)) problems.push(`I10: ${where(before)} holds another token with the answers`)
  }
  if (after.size !== base.registrations.length) problems.push('I10: the answers listed registrations of their own (D9)')
  for (const [name, targets] of Object.entries(base.targets)) {
    const kept = new Set((answered.targets[name] ?? []).map((t) => canonicalJson(t)))
    for (const target of targets) if (!kept.has(canonicalJson(target))) problems.push(`I10: ${name} lost its target ${where(target)}`)
  }
  return problems
}
