import type { Instant } from './brand.js'
import type { DeviceFact } from './input.js'
import { compareInputs, emptyList, partitionPoint, sameCanonical } from './order.js'

/**
 * D14: a fact as a registration keeps it. A device repeats itself: the same session report
 * (same token, permission, user) every time its app opens. Consecutive repeats (the same
 * content except `at`, nothing else between them in R20 order) are kept as one fact, the first
 * occurrence, with `gaps`: the milliseconds from each occurrence to the next. Every occurrence
 * stays on the timeline, so a fact that arrives late between two of them is ordered exactly as
 * if each had been kept whole (D14 inside the window), at a few bytes per repeat instead of a
 * whole fact. A fact without `gaps` occurred once.
 */
export type KeptFact = DeviceFact & {
  /** The gaps (ms, each > 0) between consecutive occurrences; absent when the fact occurred once. */
  readonly gaps?: readonly number[]
}

/**
 * D14: the most occurrences one kept fact holds. Beyond it the oldest repeats after the first
 * are dropped (the first carries every transition, the latest the latest time): a bound for a
 * device that repeats itself more than a thousand times inside one reorder window (an app
 * opened every 45 minutes for 30 days), which is not exact for a fact arriving late among the
 * dropped repeats (docs/architecture.md, Known limits).
 */
export const occurrencesKept = 1024

/** The times a kept fact occurred at, in order. */
export const occurrences = (fact: KeptFact): Instant[] => {
  const times: Instant[] = [fact.at]
  const gaps = fact.gaps
  if (gaps === undefined) return times
  let t: number = fact.at
  for (const gap of gaps) times.push((t += gap) as Instant)
  return times
}

/** The time of a kept fact's latest occurrence. */
const lastAt = (fact: KeptFact): Instant => {
  const gaps = fact.gaps
  if (gaps === undefined) return fact.at
  // Asked several times per input of a long history: kept facts never change, so once each
  // (and the facts built here from others know theirs).
  let t = latest.get(fact)
  if (t !== undefined) return t
  let sum: number = fact.at
  for (let i = 0; i < gaps.length; i++) sum += gaps[i] as number
  latest.set(fact, (t = sum as Instant))
  return t
}

const latest = new WeakMap<KeptFact, Instant>()

/** The newest `at` among a registration's kept facts (the latest occurrence of the last one). */
export const newestAt = (facts: readonly KeptFact[]): Instant | undefined => {
  const last = facts[facts.length - 1]
  return last === undefined ? undefined : lastAt(last)
}

/** Whether `fact` occurred at some time in `[from, to)` (`from` `null`: any time before `to`). */
export const occurredBetween = (fact: KeptFact, from: Instant | null, to: Instant): boolean => {
  const gaps = fact.gaps ?? emptyList
  let t: number = fact.at
  let i = 0
  while (t < to) {
    if (from === null || t >= from) return true
    if (i === gaps.length) return false
    t += gaps[i++] as number
  }
  return false
}

/** The fact as it occurred at `at`, one of its occurrences: a plain fact, without `gaps`. */
const occurrenceAt = (fact: KeptFact, at: Instant): DeviceFact => {
  if (fact.gaps === undefined && fact.at === at) return fact
  const { gaps: _, ...plain } = fact
  return { ...plain, at } as DeviceFact
}

/** Whether two facts are repeats of each other: the same content except their times. */
export const sameExceptTimes = (a: KeptFact, b: KeptFact): boolean => a.type === b.type && sameCanonical(a, b, timeFields)

const timeFields = ['at', 'gaps'] as const

/**
 * R20 order between the occurrence of `fact` at `at` and the plain fact `other`: time first,
 * then what `compareInputs` breaks ties with (the content, never the gaps).
 */
const compareOccurrence = (fact: KeptFact, at: Instant, other: DeviceFact): number =>
  at !== other.at ? (at < other.at ? -1 : 1) : compareInputs(occurrenceAt(fact, at), other)

/** `fact`'s content occurring at `times` (sorted, distinct), bounded as {@link withGaps} bounds; the fact itself when it is that already. */
const withTimes = (fact: KeptFact, times: readonly Instant[]): KeptFact => {
  const first = times[0] as Instant
  if (times.length === 1 && fact.gaps === undefined && fact.at === first) return fact
  const gaps = new Array<number>(times.length - 1)
  for (let i = 1; i < times.length; i++) gaps[i - 1] = (times[i] as number) - (times[i - 1] as number)
  return withGaps(fact, first, gaps)
}

/**
 * `fact`'s content occurring at `at` and then after each of `gaps`, bounded to
 * {@link occurrencesKept}, its first and its latest: past it the occurrences after the first go,
 * oldest first, their gaps joining the first one.
 */
const withGaps = (fact: KeptFact, at: Instant, gaps: readonly number[], last?: Instant): KeptFact => {
  const drop = gaps.length + 1 - occurrencesKept
  let kept = gaps
  if (drop > 0) {
    let first = 0
    for (let i = 0; i <= drop; i++) first += gaps[i] as number
    kept = [first].concat(gaps.slice(drop + 1))
  }
  const { gaps: _, ...plain } = fact
  const result = (kept.length === 0 ? { ...plain, at } : { ...plain, at, gaps: kept }) as KeptFact
  if (last !== undefined && kept.length > 0) latest.set(result, last)
  return result
}

/** `first`'s occurrences followed by `then`'s (its repeat, every occurrence later), as one kept fact. */
const joined = (first: KeptFact, then: KeptFact): KeptFact =>
  withGaps(first, first.at, (first.gaps ?? emptyList).concat([then.at - lastAt(first)], then.gaps ?? emptyList), lastAt(then))

const replaced = (facts: readonly KeptFact[], index: number, count: number, by: readonly KeptFact[]): readonly KeptFact[] =>
  facts.slice(0, index).concat(by, facts.slice(index + count))

/**
 * D14, I9: a registration's kept facts with one more occurrence, `fact`, in R20 order: added to
 * the times of the fact it repeats (the one before or after it), or placed between two
 * occurrences of another fact, which it splits in two. The same array when `fact` already
 * occurred (a duplicate changes nothing). Kept facts are therefore a function of the set of
 * occurrences, whatever the order they arrived in: sorted, with no two neighbours repeats of
 * each other.
 */
export const withOccurrence = (facts: readonly KeptFact[], fact: DeviceFact): readonly KeptFact[] => {
  const last = facts[facts.length - 1]
  if (last === undefined) return [fact]
  // Most facts arrive in time order, and most repeat the last one: one more gap.
  if (sameExceptTimes(last, fact) && fact.at > lastAt(last)) return replaced(facts, facts.length - 1, 1, [joined(last, fact)])
  // Otherwise try the last kept fact first.
  const i =
    compareOccurrence(last, last.at, fact) <= 0 ? facts.length - 1 : partitionPoint(facts, (kept) => compareOccurrence(kept, kept.at, fact) <= 0) - 1
  if (i < 0) {
    const next = facts[0] as KeptFact
    return sameExceptTimes(next, fact) ? replaced(facts, 0, 1, [joined(fact, next)]) : [fact, ...facts]
  }
  const kept = facts[i] as KeptFact
  const times = occurrences(kept)
  if (sameExceptTimes(kept, fact)) {
    const at = partitionPoint(times, (t) => t < fact.at)
    if (times[at] === fact.at) return facts
    return replaced(facts, i, 1, [withTimes(kept, [...times.slice(0, at), fact.at, ...times.slice(at)])])
  }
  const split = partitionPoint(times, (t) => compareOccurrence(kept, t, fact) < 0)
  if (split === times.length) {
    // After every occurrence of `kept`: it may start the next fact's repeats.
    const next = facts[i + 1]
    if (next !== undefined && sameExceptTimes(next, fact)) return replaced(facts, i + 1, 1, [joined(fact, next)])
    return replaced(facts, i + 1, 0, [fact])
  }
  return replaced(facts, i, 1, [withTimes(kept, times.slice(0, split)), fact, withTimes(kept, times.slice(split))])
}

/**
 * D14: a kept fact cut at `horizon`: its occurrences before it as plain facts, the first and
 * the latest (all compaction needs of them: the latest sets each register, the first is the
 * first uninstall), and the occurrences from the horizon on, still joined (`null`: none).
 */
export const cutAt = (fact: KeptFact, horizon: Instant): { readonly before: readonly DeviceFact[]; readonly rest: KeptFact | null } => {
  if (fact.at >= horizon) return { before: emptyList, rest: fact }
  const gaps = fact.gaps ?? emptyList
  // Walk to the latest occurrence before the horizon: occurrence `i`, at `t`.
  let t: number = fact.at
  let i = 0
  while (i < gaps.length && t + (gaps[i] as number) < horizon) t += gaps[i++] as number
  const first = occurrenceAt(fact, fact.at)
  const before = t === fact.at ? [first] : [first, occurrenceAt(fact, t as Instant)]
  if (i === gaps.length) return { before, rest: null }
  return { before, rest: withGaps(fact, (t + (gaps[i] as number)) as Instant, gaps.slice(i + 1), lastAt(fact)) }
}

/**
 * Neighbours that repeat each other joined into one kept fact: compaction can drop what stood
 * between two repeats. The same array when no neighbours repeat each other.
 */
export const joinRepeats = (facts: readonly KeptFact[]): readonly KeptFact[] => {
  let result: KeptFact[] | null = null
  for (let i = 1; i < facts.length; i++) {
    const fact = facts[i] as KeptFact
    if (result === null) {
      if (!sameExceptTimes(facts[i - 1] as KeptFact, fact)) continue
      result = facts.slice(0, i)
    }
    const previous = result[result.length - 1] as KeptFact
    // Neighbours in R20 order: every occurrence of `previous` comes before those of `fact`.
    if (sameExceptTimes(previous, fact)) result[result.length - 1] = joined(previous, fact)
    else result.push(fact)
  }
  return result ?? facts
}

/**
 * Kept facts from plain facts in any order, with duplicates: sorted (R20), duplicates dropped,
 * consecutive repeats joined. What {@link withOccurrence} gives adding them one by one.
 */
export const keptFactsOf = (plain: readonly DeviceFact[]): readonly KeptFact[] => {
  const sorted = [...plain].sort(compareInputs)
  const kept: KeptFact[] = []
  let times: Instant[] = []
  for (const fact of sorted) {
    const run = kept[kept.length - 1]
    if (run !== undefined && sameExceptTimes(run, fact)) {
      if (times[times.length - 1] !== fact.at) times.push(fact.at)
      continue
    }
    if (run !== undefined) kept[kept.length - 1] = withTimes(run, times)
    kept.push(fact)
    times = [fact.at]
  }
  const run = kept[kept.length - 1]
  if (run !== undefined) kept[kept.length - 1] = withTimes(run, times)
  return kept.length === 0 ? emptyList : kept
}

/**
 * Every occurrence of kept facts as plain facts, in R20 order. What the fold would see if
 * nothing were joined; tests compare the two.
 */
export const everyOccurrence = (facts: readonly KeptFact[]): DeviceFact[] =>
  facts.flatMap((fact) => (fact.gaps === undefined ? [fact] : occurrences(fact).map((at) => occurrenceAt(fact, at))))

/**
 * The occurrences a fold must apply, given the times at which something from outside the
 * device's facts happens on its timeline (`events`, sorted: a token's evidence, another
 * device's claim). Between two events, the repeats of a fact change nothing but the times the
 * latest of them overwrites (the token's last report, a repeated prompt's opt-in time), so a
 * fold over the first and last occurrence of each stretch gives the same state, view and
 * changelog as a fold over all of them: what matters is the last occurrence at or before each
 * event (what the event sees) and the first after it (what the repeat re-does, R17: a repeat
 * after a death registers again). With expiry (R19, folds at a `now`: `expireAfter` given), the
 * token expires inside a gap longer than `expireAfter`, and is judged from the occurrence
 * before: enough occurrences are applied for that. Returns `facts` itself when no fact holds
 * repeats.
 */
export const occurrencesToFold = (facts: readonly KeptFact[], events: readonly { readonly at: Instant }[], expireAfter: number | null): readonly DeviceFact[] => {
  if (!facts.some((fact) => fact.gaps !== undefined)) return facts
  const folded: DeviceFact[] = []
  for (const fact of facts) {
    const gaps = fact.gaps
    if (gaps === undefined) {
      folded.push(fact)
      continue
    }
    const end = lastAt(fact)
    const first = partitionPoint(events, (event) => event.at < fact.at)
    const inside = first < events.length && (events[first] as { readonly at: Instant }).at < end
    if (!inside && expireAfter === null) {
      folded.push(occurrenceAt(fact, fact.at), occurrenceAt(fact, end))
      continue
    }
    const times = occurrences(fact)
    const last = times.length - 1
    const chosen = new Set<number>([0, last])
    for (let e = first; e < events.length; e++) {
      const at = (events[e] as { readonly at: Instant }).at
      if (at >= end) break
      const before = partitionPoint(times, (t) => t <= at) - 1
      chosen.add(before).add(before + 1)
    }
    if (expireAfter !== null) {
      // R19: expiry is judged at each applied occurrence from the one applied before it, so no
      // two applied occurrences are further apart than `expireAfter` unless two neighbours are
      // (then both are applied: the token expires in between, and the later one registers it
      // again).
      let previous = 0
      for (let i = 0; i < last; i++) {
        if (!chosen.has(i) && (times[i + 1] as number) - (times[previous] as number) > expireAfter) chosen.add(i)
        if (chosen.has(i)) previous = i
      }
    }
    for (const i of [...chosen].sort((a, b) => a - b)) folded.push(occurrenceAt(fact, times[i] as Instant))
  }
  return folded
}
