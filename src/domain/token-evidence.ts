import type { DeviceId, Instant } from './brand.js'
import { orderedClaims } from './claims.js'
import type { AmbiguousVerdict } from './dispatch-verdict.js'
import { emptyList, exact, partitionPoint } from './order.js'
import type { AmbiguousAnswer, TokenRecord } from './records.js'

/**
 * D14: how many of the latest answers of each kind a stretch of a token's evidence keeps
 * beyond the ones that decide something, for an input that arrives late among them.
 */
export const evidenceTail = 5

/** What bounding a token record's evidence needs to know besides the record. */
export interface EvidenceContext {
  /**
   * The times at which a device reported this token, from its registration's kept facts, or
   * `undefined` when that registration is not at hand (its stretch of evidence is then left as
   * it is).
   */
  readonly reportsOf: (deviceId: DeviceId) => readonly Instant[] | undefined
  /** R18, D6: what the dispatch of an ambiguous answer makes of it, as the fold will see it. */
  readonly verdict: (answer: AmbiguousAnswer) => AmbiguousVerdict
  /** R18, D6: the app's `suspectConfirmations`. */
  readonly suspectConfirmations: number
}

/**
 * D14, R17, R18: the token record with only the evidence that can still decide something, plus
 * the latest {@link evidenceTail} of each kind in each stretch. How it is written; the record
 * itself when nothing goes. Every fold over the kept evidence gives the state and changelog the
 * fold over all of it gives (see docs/architecture.md, "Bounded token evidence"):
 *
 * - **deaths** (R17): a report of the token is ended by the earliest death at or after it and
 *   nothing later matters until the next report. The evidence is cut at every report the
 *   token's holders made (the takes, the latest report, the reports the holder's facts keep);
 *   each stretch keeps its earliest death and its latest five.
 * - **ambiguous answers and deliveries** (R18, D6) older than the latest report are dropped
 *   (that report clears any quarantine). After it, a quarantine a delivery cleared leaves
 *   nothing behind (no entry, the state it found) and nothing after a death matters: what
 *   decides is the first quarantine that kills the token. Its counted answers are kept, with
 *   the latest five quarantines, answers and deliveries, and each kept answer's clearing
 *   delivery.
 */
export const boundedEvidence = (record: TokenRecord, ctx: EvidenceContext): TokenRecord => {
  if (record.deaths.length <= evidenceTail + 1 && record.ambiguous.length <= evidenceTail && record.deliveries.length <= evidenceTail) return record
  const deaths: Instant[] = []
  const ambiguous: AmbiguousAnswer[] = []
  const deliveries: Instant[] = []
  const settled: Instant[] = []
  for (const { from, to, frozen } of stretchesOf(record, ctx)) {
    const inStretch = <A>(items: readonly A[], at: (item: A) => number): readonly A[] =>
      items.slice(
        partitionPoint(items, (item) => at(item) < from),
        partitionPoint(items, (item) => at(item) < to),
      )
    const stretchDeaths = inStretch(record.deaths, (at) => at)
    const stretchAnswers = inStretch(record.ambiguous, (a) => a.at)
    const stretchDeliveries = inStretch(record.deliveries, (at) => at)
    const stretchSettled = inStretch(record.settled ?? emptyList, (at) => at)
    if (frozen) {
      deaths.push(...stretchDeaths)
      ambiguous.push(...stretchAnswers)
      deliveries.push(...stretchDeliveries)
      settled.push(...stretchSettled)
      continue
    }
    const keptDeaths = firstAndLatest(stretchDeaths, 1, evidenceTail)
    const quarantine = boundedQuarantine(stretchAnswers, stretchDeliveries, keptDeaths, ctx)
    deaths.push(...keptDeaths)
    ambiguous.push(...quarantine.ambiguous)
    deliveries.push(...quarantine.deliveries)
    // One per stretch: the latest.
    const latest = Math.max(quarantine.settled ?? -Infinity, stretchSettled[stretchSettled.length - 1] ?? -Infinity)
    if (latest !== -Infinity) settled.push(latest as Instant)
  }
  const sameSettled = settled.length === (record.settled?.length ?? 0) && settled.every((at, i) => at === record.settled?.[i])
  if (sameSettled && deaths.length === record.deaths.length && ambiguous.length === record.ambiguous.length && deliveries.length === record.deliveries.length) return record
  // One literal, as `claims.ts` builds token records (one hidden class for all of them).
  const bounded: TokenRecord = {
    kind: 'token',
    appId: record.appId,
    key: record.key,
    claims: record.claims,
    deaths: exact(deaths),
    ambiguous: exact(ambiguous),
    deliveries: exact(deliveries),
  }
  const withLast = record.lastReport === undefined ? bounded : { ...bounded, lastReport: record.lastReport }
  return settled.length === 0 ? withLast : { ...withLast, settled: exact(settled) }
}

/**
 * R18, D6, D14: whether an ambiguous answer or a delivery at `at` lies where its stretch's
 * quarantines were compacted (at or before the stretch's `settled` time): it was applied
 * already, or it arrives later than five quarantines after it, and is not recorded again
 * (a duplicate must change nothing, I9).
 */
export const isSettled = (record: TokenRecord, at: Instant, ctx: EvidenceContext): boolean => {
  const settled = record.settled
  if (settled === undefined || settled.length === 0) return false
  const stretch = stretchesOf(record, ctx).find((s) => s.from <= at && at < s.to)
  return stretch !== undefined && settled.some((w) => at <= w && w >= stretch.from && w < stretch.to)
}

/** A stretch of the token's timeline, `[from, to)`, between two of its reports; `frozen`: left as it is. */
interface Stretch {
  readonly from: number
  readonly to: number
  readonly frozen: boolean
}

/**
 * The token's timeline cut at every report of it: each holding (from a take to the next, R3;
 * before the first take, nobody's) is cut at its holder's own reports and at the latest
 * report. A holding whose holder's facts are not at hand is one frozen stretch: its repeats
 * are unknown, and evidence only ever lands in the holding of a loaded registration (`needs`
 * reads the claimant at the evidence time, and the devices a report concerns).
 */
const stretchesOf = (record: TokenRecord, ctx: EvidenceContext): Stretch[] => {
  const claims = orderedClaims(record)
  const stretches: Stretch[] = []
  for (let h = -1; h < claims.length; h++) {
    const holder = claims[h]
    const start = holder?.at ?? -Infinity
    const end = claims[h + 1]?.at ?? Infinity
    // Equal times: the greater device id holds (R3); the other's holding is empty.
    if (end <= start) continue
    const reports = holder === undefined ? emptyList : ctx.reportsOf(holder.deviceId)
    if (reports === undefined) {
      stretches.push({ from: start, to: end, frozen: true })
      continue
    }
    const cuts = [...new Set([...reports, record.lastReport?.at ?? -Infinity])].filter((at) => at > start && at < end).sort((a, b) => a - b)
    let from = start
    for (const cut of cuts) {
      stretches.push({ from, to: cut, frozen: false })
      from = cut
    }
    stretches.push({ from, to: end, frozen: false })
  }
  return stretches
}

const firstAndLatest = <A>(items: readonly A[], first: number, latest: number): readonly A[] =>
  items.length <= first + latest ? items : items.slice(0, first).concat(items.slice(items.length - latest))

/** The confirmation an ambiguous answer counts as in a quarantine (D6), as the fold names it. */
const confirmationOf = (answer: AmbiguousAnswer): string => answer.dispatchId ?? `at:${answer.at}`

/**
 * R18, D6: one quarantine, folded from an active token: the answers that count in it (the
 * first of each confirmation, as the verdicts are now) up to the one that kills the token, if
 * one does. A later answer of a confirmation already counted changes nothing.
 */
const quarantineOf = (run: readonly AmbiguousAnswer[], ctx: EvidenceContext): { readonly counted: readonly AmbiguousAnswer[]; readonly kills: boolean } => {
  const confirmations = new Set<string>()
  const counted: AmbiguousAnswer[] = []
  for (const answer of run) {
    const verdict = ctx.verdict(answer)
    if (verdict === 'ignored') continue
    const confirmation = confirmationOf(answer)
    if (!confirmations.has(confirmation)) {
      confirmations.add(confirmation)
      counted.push(answer)
    }
    if (verdict === 'confirmed' || confirmations.size >= ctx.suspectConfirmations) return { counted, kills: true }
  }
  return { counted, kills: false }
}

/**
 * R18, D6: the quarantines after the latest report. Ambiguous answers before the first death
 * fall into runs, each ended by the next delivery (which clears it) or still open; a death ends
 * the token whatever else happens, so answers after it can only matter to a report arriving
 * late after it. Kept: the counted answers of the first run that kills the token and of the
 * latest `evidenceTail` runs (a cleared quarantine leaves nothing behind, but an answer arriving
 * late into a recent one counts with it), the delivery that clears each kept run, the latest
 * `evidenceTail` answers and deliveries, and the first delivery at or after each kept answer
 * (which clears it as the whole list did). Answers and deliveries are sorted.
 */
const boundedQuarantine = (
  ambiguous: readonly AmbiguousAnswer[],
  deliveries: readonly Instant[],
  deaths: readonly Instant[],
  ctx: EvidenceContext,
): { readonly ambiguous: readonly AmbiguousAnswer[]; readonly deliveries: readonly Instant[]; readonly settled?: Instant } => {
  if (ambiguous.length <= evidenceTail && deliveries.length <= evidenceTail + ambiguous.length) return { ambiguous, deliveries }
  const firstDeath = deaths[0] ?? Infinity
  // Runs: answers with no delivery between them (at equal times an answer comes before a
  // delivery), each with the index of the delivery that clears it.
  const runs: { readonly answers: AmbiguousAnswer[]; readonly clearedBy: number }[] = []
  for (const answer of ambiguous) {
    if (answer.at >= firstDeath) break
    const next = partitionPoint(deliveries, (at) => at < answer.at)
    const last = runs[runs.length - 1]
    if (last === undefined || next !== last.clearedBy) runs.push({ answers: [answer], clearedBy: next })
    else last.answers.push(answer)
  }
  const latestRuns = Math.max(0, runs.length - evidenceTail)
  const kept = new Set<AmbiguousAnswer>(ambiguous.slice(Math.max(0, ambiguous.length - evidenceTail)))
  let firstKill = runs.length
  runs.forEach((run, r) => {
    const { counted, kills } = quarantineOf(run.answers, ctx)
    const keep = r >= latestRuns || (kills && firstKill === runs.length)
    if (kills && firstKill === runs.length) firstKill = r
    if (keep) for (const answer of counted) kept.add(answer)
  })
  const keptAnswers = keepWhere(ambiguous, (a) => kept.has(a))
  // The delivery that clears each kept answer's run.
  const clearing = new Set<number>()
  for (const answer of keptAnswers) {
    const first = deliveries[partitionPoint(deliveries, (at) => at < answer.at)]
    if (first !== undefined) clearing.add(first)
  }
  const latestDeliveries = deliveries.length - evidenceTail
  const keptDeliveries = keepWhere(deliveries, (at, i) => i >= latestDeliveries || clearing.has(at))
  // The cleared quarantines dropped whole (before the first kill, older than the latest five)
  // end at the delivery that cleared the last of them: nothing before it is kept, so an answer
  // re-sent from there must not come back without the deliveries that cleared it.
  const lastDropped = runs[Math.min(firstKill, latestRuns) - 1]
  const settled = lastDropped === undefined ? undefined : deliveries[lastDropped.clearedBy]
  return settled === undefined ? { ambiguous: keptAnswers, deliveries: keptDeliveries } : { ambiguous: keptAnswers, deliveries: keptDeliveries, settled }
}

/** `filter` that returns the same list when it keeps everything, and the shared empty list when nothing. */
const keepWhere = <A>(items: readonly A[], keep: (item: A, index: number) => boolean): readonly A[] => {
  const kept = items.filter(keep)
  return kept.length === items.length ? items : exact(kept)
}
