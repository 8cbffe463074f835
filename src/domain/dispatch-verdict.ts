import type { AnswerClass } from './answer.js'
import { emptyList, insertSorted } from './order.js'
import type { DispatchRecord } from './records.js'
import type { TokenKey } from './token.js'

/**
 * D14, R18: the ambiguous tokens one dispatch record remembers, those with the smallest keys.
 * A dispatch reaches millions of tokens and its record must not grow with them; this many is
 * enough for the alike rule (whose threshold is at most this) and lets D6 confirm up to this
 * many ambiguous answers of one dispatch that also delivered. The others of such a dispatch
 * are not evidence about their tokens: a token cannot be re-projected when the dispatch's
 * verdict changes unless the dispatch names it.
 */
export const ambiguousKeptPerDispatch = 1000

/** Delivered tokens a dispatch record remembers: enough to know whether *another* token was delivered (D6). */
const deliveredKept = 2

/** What the alike rule reads: the final answers of one dispatch through one credential. */
export interface DispatchAnswerCounts {
  /** Distinct tokens delivered. */
  readonly delivered: number
  /** Whether some token answered `dead` (the provider accepted the credential and looked the token up). */
  readonly dead: boolean
  /** Distinct tokens answered `ambiguous`. */
  readonly ambiguous: number
  /** Whether the provider refused the credential outright (a `credentials` answer). */
  readonly credentials: boolean
}

/**
 * R18: "when every token of a credential fails alike it is a credentials failure and nothing
 * is invalidated". A dispatch failed alike when tokens answered ambiguously, none was
 * delivered and none answered `dead` (either shows the credential working), and either at
 * least `threshold` distinct tokens answered ambiguously or the provider refused the
 * credential outright. `threshold` `null` turns the count rule off. One ambiguous answer alone
 * is as likely the token's fault, hence the default of 2 (app policy `ambiguousAlikeThreshold`).
 *
 * The one place the rule is decided: the dispatcher applies it to its own run's answers, and
 * ingest to the answers a dispatch record holds (which never include `credentials` answers,
 * since those change nothing, I10).
 */
export const failedAlike = (counts: DispatchAnswerCounts, threshold: number | null): boolean =>
  counts.ambiguous > 0 &&
  counts.delivered === 0 &&
  !counts.dead &&
  (counts.credentials || (threshold !== null && counts.ambiguous >= threshold))

/**
 * What a dispatch makes of one ambiguous answer in it (R18, D6): `confirmed` kills the token,
 * `suspect` quarantines it (one of `suspectConfirmations`), `ignored` is no evidence at all.
 */
export type AmbiguousVerdict = 'confirmed' | 'suspect' | 'ignored'

/**
 * R18, D6: the verdict on token `key`'s ambiguous answer in `dispatch`, a function of the
 * dispatch's answers only (never of their arrival order, R20). Confirmed when the dispatch
 * delivered to another token; ignored when it failed alike; else suspect. A token the record
 * does not name (more than {@link ambiguousKeptPerDispatch} answered ambiguously) is ignored
 * whatever else arrives, since the dispatch could not re-project it: with that many, the
 * count rule already holds, unless it is off, in which case it is plain suspect evidence.
 */
export const ambiguousVerdict = (dispatch: DispatchRecord | undefined, key: TokenKey, threshold: number | null): AmbiguousVerdict => {
  if (dispatch === undefined) return 'suspect'
  const named = hasSorted(dispatch.ambiguous, key)
  if (!named && dispatch.ambiguous.length >= ambiguousKeptPerDispatch) return threshold === null ? 'suspect' : 'ignored'
  return namedVerdict(dispatch, key, named ? dispatch.ambiguous.length : dispatch.ambiguous.length + 1, threshold)
}

const namedVerdict = (dispatch: DispatchRecord, key: TokenKey, ambiguous: number, threshold: number | null): AmbiguousVerdict => {
  if (dispatch.delivered.some((delivered) => delivered !== key)) return 'confirmed'
  const counts = { delivered: dispatch.delivered.length, dead: dispatch.dead === true, ambiguous, credentials: false }
  return failedAlike(counts, threshold) ? 'ignored' : 'suspect'
}

/** The answer classes a dispatch record keeps track of. */
export type DispatchEvidence = Extract<AnswerClass['class'], 'delivered' | 'dead' | 'ambiguous'>

/**
 * The dispatch record after one answer of `key` in it. Bounded whatever the audience (D14):
 * the smallest keys only, and a flag for `dead`; the same set of answers gives the same record
 * in any order (I9). Returns `dispatch` itself when nothing changed.
 */
export const withDispatchAnswer = (dispatch: DispatchRecord, key: TokenKey, evidence: DispatchEvidence): DispatchRecord => {
  switch (evidence) {
    case 'dead':
      return dispatch.dead === true ? dispatch : { ...dispatch, dead: true }
    case 'delivered': {
      const delivered = keepSmallest(dispatch.delivered, key, deliveredKept)
      return delivered === dispatch.delivered ? dispatch : { ...dispatch, delivered }
    }
    case 'ambiguous': {
      const ambiguous = keepSmallest(dispatch.ambiguous, key, ambiguousKeptPerDispatch)
      return ambiguous === dispatch.ambiguous ? dispatch : { ...dispatch, ambiguous }
    }
  }
}

/**
 * The tokens other than `key` whose verdict differs between the dispatch before and after an
 * answer (R18, D6): the ones to re-project. Only tokens the record names can change (a
 * token pushed out of the record included), so this is bounded too.
 */
export const verdictChanges = (
  before: DispatchRecord,
  after: DispatchRecord,
  key: TokenKey,
  threshold: number | null,
): TokenKey[] => {
  if (before === after) return []
  const changed: TokenKey[] = []
  const stillNamed = new Set<TokenKey>(after.ambiguous)
  for (const other of before.ambiguous) {
    if (other === key) continue
    const now = stillNamed.has(other) ? namedVerdict(after, other, after.ambiguous.length, threshold) : ambiguousVerdict(after, other, threshold)
    if (now !== namedVerdict(before, other, before.ambiguous.length, threshold)) changed.push(other)
  }
  return changed
}

const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** The `limit` smallest of `keys` and `key`, sorted; the same list when `key` changes nothing. */
const keepSmallest = (keys: readonly TokenKey[], key: TokenKey, limit: number): readonly TokenKey[] => {
  const last = keys[keys.length - 1]
  if (keys.length >= limit && last !== undefined && key >= last) return keys
  const inserted = insertSorted(keys, key, compareKeys)
  if (inserted === keys) return keys
  return inserted.length > limit ? inserted.slice(0, limit) : inserted.length === 0 ? emptyList : inserted
}

const hasSorted = (keys: readonly TokenKey[], key: TokenKey): boolean => {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const k = keys[mid] as TokenKey
    if (k === key) return true
    if (k < key) lo = mid + 1
    else hi = mid
  }
  return false
}
