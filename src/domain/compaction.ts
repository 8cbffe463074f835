import type { Instant } from './brand.js'
import type { DeviceFact } from './input.js'
import { isReport } from './input.js'
import { exact } from './order.js'
import type { KeptFact } from './repeats.js'
import { cutAt, joinRepeats, newestAt, occurredBetween } from './repeats.js'

/**
 * D14: a registration's horizon. History from the horizon on stays exact in any order; before
 * it, only the facts that set a last-writer-wins value are kept. It follows the newest `at`
 * the registration has seen minus the reorder window, never moves back, and moves only when a
 * fact falls behind it (until then there is nothing to compact or settle).
 */
export const horizonOf = (facts: readonly KeptFact[], reorderWindow: number, previous: Instant | null): Instant | null => {
  const newest = newestAt(facts)
  if (newest === undefined) return previous
  const candidate = (newest - reorderWindow) as Instant
  if (previous !== null && candidate <= previous) return previous
  const passes = facts.some((fact) => occurredBetween(fact, previous, candidate))
  return passes ? candidate : previous
}

/**
 * D14: the facts before `horizon` that still set a last-writer-wins value, with every fact from
 * the horizon on. The kept set depends only on the set of facts before the horizon (the latest
 * of each register), so it is the same whatever the arrival order:
 *
 * - the latest report carrying a token (the current token, its environment, its last report);
 * - the latest report (the permission) and the latest one with an OS version;
 * - per user, the latest fact logging them in and the latest `logged_out` (owner, accounts);
 * - the first uninstall, report of `denied` without a token (a web revocation) and erasure
 *   mark after the latest token report, and the latest of each: what ends that token, and
 *   when (R14, D5, D10, erasure), also for a report that arrives late.
 *
 * A fact whose repeats straddle the horizon (`repeats.ts`) counts as its first and its latest
 * occurrence before it (all the list above needs of a run: the latest sets each register, the
 * first is the first uninstall), and its occurrences from the horizon on stay.
 *
 * Returns `facts` itself when nothing is dropped.
 */
export const compactBefore = (kept: readonly KeptFact[], horizon: Instant | null): readonly KeptFact[] => {
  if (horizon === null) return kept
  const straddles = (fact: KeptFact): boolean => fact.gaps !== undefined && fact.at < horizon
  const facts = kept.some(straddles)
    ? kept.flatMap((fact): readonly KeptFact[] => {
        if (!straddles(fact)) return [fact]
        const { before, rest } = cutAt(fact, horizon)
        return rest === null ? before : [...before, rest]
      })
    : kept
  return joinRepeats(compactPlain(facts, horizon))
}

/** {@link compactBefore} over facts whose occurrences before the horizon are each a fact of their own. */
const compactPlain = (facts: readonly KeptFact[], horizon: Instant): readonly KeptFact[] => {
  let end = 0
  while (end < facts.length && (facts[end] as DeviceFact).at < horizon) end++
  if (end === 0) return facts
  const keep = new Array<boolean>(end).fill(false)
  const seen = new Set<string>()
  let latestToken = -1
  for (let i = end - 1; i >= 0; i--) {
    const fact = facts[i] as DeviceFact
    for (const register of registersOf(fact)) {
      if (seen.has(register)) continue
      seen.add(register)
      keep[i] = true
      if (register === 'token') latestToken = i
    }
  }
  // What ends the latest token, and when: the first uninstall and revocation after it (the
  // first of all when no token was reported yet). The latest of each is kept as a register,
  // for a report that arrives late, after the first.
  let uninstall = false
  let revoke = false
  let erased = false
  for (let i = latestToken + 1; i < end && !(uninstall && revoke && erased); i++) {
    const fact = facts[i] as DeviceFact
    if (!uninstall && fact.type === 'uninstalled') keep[i] = uninstall = true
    if (!revoke && isRevocation(fact)) keep[i] = revoke = true
    if (!erased && fact.type === 'user_erased') keep[i] = erased = true
  }
  if (keep.every(Boolean)) return facts
  return exact(facts.slice(0, end).filter((_, i) => keep[i]).concat(facts.slice(end)))
}

const isRevocation = (fact: DeviceFact): boolean => isReport(fact) && fact.token === undefined && fact.permission === 'denied'

/** The last-writer-wins values a fact sets (D14's list), as register names. */
const registersOf = (fact: DeviceFact): string[] => {
  switch (fact.type) {
    case 'session_started':
    case 'token_reported': {
      const registers = ['report']
      if (fact.token !== undefined) registers.push('token')
      if (fact.osVersion !== undefined) registers.push('os')
      if (isRevocation(fact)) registers.push('revoke')
      if (fact.type === 'session_started' && fact.userId !== undefined) registers.push(`in:${fact.userId}`)
      return registers
    }
    case 'user_changed':
      return [`in:${fact.userId}`]
    case 'logged_out':
      return [`out:${fact.userId}`]
    case 'uninstalled':
      return ['uninstall']
    case 'user_erased':
      return ['erased']
    case 'prompt_answered':
      // A prompt's only effect is an opt-in, which is settled.
      return []
  }
}
