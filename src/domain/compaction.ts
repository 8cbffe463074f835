import type { Instant } from './brand.js'
import type { DeviceFact } from './input.js'
import { isReport } from './input.js'
import { exact, sameCanonical } from './order.js'

/**
 * D14: a registration's horizon. History from the horizon on stays exact in any order; before
 * it, only the facts that set a last-writer-wins value are kept. It follows the newest `at`
 * the registration has seen minus the reorder window, never moves back, and moves only when a
 * fact falls behind it (until then there is nothing to compact or settle).
 */
export const horizonOf = (facts: readonly DeviceFact[], reorderWindow: number, previous: Instant | null): Instant | null => {
  const newest = facts[facts.length - 1]?.at
  if (newest === undefined) return previous
  const candidate = (newest - reorderWindow) as Instant
  if (previous !== null && candidate <= previous) return previous
  const passes = facts.some((fact) => fact.at < candidate && (previous === null || fact.at >= previous))
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
 * Returns `facts` itself when nothing is dropped.
 */
export const compactBefore = (facts: readonly DeviceFact[], horizon: Instant | null): readonly DeviceFact[] => {
  if (horizon === null) return facts
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

/**
 * D14: after a fact was inserted at `index`, bounds the run of repeats it belongs to (facts
 * consecutive in R20 order with the same content except `at`) to `runLength` facts, by
 * dropping the run's second fact. The first carries every transition (a registration, a D3
 * opt-in, a login), the last the latest time (R17, R19), and the repeats in between only
 * matter when a fact arrives late between two of them: the latest ones are kept for that, so
 * history is exact whatever the order as long as a run holds at most `runLength` repeats, and a
 * device that sends thousands of identical sessions keeps `runLength` facts.
 */
export const collapseAround = (facts: readonly DeviceFact[], index: number): readonly DeviceFact[] => {
  const fact = facts[index] as DeviceFact
  let first = index
  while (first > 0 && sameExceptAt(facts[first - 1] as DeviceFact, fact)) first--
  let last = index
  while (last < facts.length - 1 && last - first < runLength && sameExceptAt(facts[last + 1] as DeviceFact, fact)) last++
  if (last - first < runLength) return facts
  return facts.slice(0, first + 1).concat(facts.slice(first + 2))
}

/** D14: the most facts a run of repeats keeps. */
export const runLength = 6

/** Whether two facts are repeats of each other: the same content except `at`. */
const sameExceptAt = (a: DeviceFact, b: DeviceFact): boolean => a.type === b.type && sameCanonical(a, b, 'at')
