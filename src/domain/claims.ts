import type { DeviceId, Instant } from './brand.js'
import { partitionPoint } from './order.js'
import type { Claim, TokenRecord } from './records.js'

/**
 * D14: the most claims a token record keeps, the latest in R3 order. An ordinary token has one
 * to three claimants (a reinstall, a restore); a cloned image or an attacker with an app key can
 * have thousands, and each input about the token reads its record.
 */
export const claimsKept = 64

/**
 * R3's order on claims: by time, equal times by device id. A device holds the token from its
 * claim until the next claim in this order (equal times go to the greater device id).
 */
export const compareClaims = (a: Claim, b: Claim): number =>
  a.at !== b.at ? a.at - b.at : a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0

// Records written before claims were kept in R3 order hold them sorted by device id: each such
// list is sorted once (records are immutable values).
const ordered = new WeakMap<readonly Claim[], readonly Claim[]>()

/** A token record's claims in R3 order, whichever release wrote the record. */
export const orderedClaims = (record: TokenRecord): readonly Claim[] => {
  const claims = record.claims
  let sorted = ordered.get(claims)
  if (sorted === undefined) {
    sorted = claims.every((c, i) => i === 0 || compareClaims(claims[i - 1] as Claim, c) < 0) ? claims : [...claims].sort(compareClaims)
    ordered.set(claims, sorted)
  }
  return sorted
}

/** The record with its claims in R3 order and at most `claimsKept` of them: how it is written. */
export const boundedToken = (record: TokenRecord): TokenRecord => {
  const claims = orderedClaims(record)
  const kept = claims.length > claimsKept ? claims.slice(claims.length - claimsKept) : claims
  return kept === record.claims ? record : { ...record, claims: kept }
}

/**
 * The first report of the token by a device after a claim in R3 order, from that device's own
 * facts (its registration), or `undefined` if it has none: a claim that lands in the middle of
 * another device's holding splits it, and the holding resumes at that report.
 */
export type NextReport = (deviceId: DeviceId, after: Claim) => Claim | undefined

/**
 * R3, D14: the token record with the report `(deviceId, at)` in its holder timeline. A report
 * that follows another device's (or comes first) takes the token and is kept; one that follows
 * its own device's changes no holder and only moves `lastReport`. A take in the middle of
 * another device's holding splits it: that device takes the token back at its next report
 * (`nextReport`), and a later take of the same device becomes a repeat and goes. So the kept
 * claims are exactly the takes of the set of every report, whatever the arrival order (I9), and
 * a token that moves back and forth keeps every move (R9: each is logged on both sides), while
 * repeated reports add nothing (D14). Returns `record` itself when nothing changes.
 */
export const withClaim = (record: TokenRecord, deviceId: DeviceId, at: Instant, nextReport: NextReport): TokenRecord => {
  const claims = orderedClaims(record)
  const claim: Claim = { deviceId, at }
  const last = record.lastReport ?? claims.at(-1)
  const lastReport = last === undefined || compareClaims(claim, last) > 0 ? claim : last
  const i = insertionIndex(claims, claim)
  const pred = claims[i - 1]
  const existing = claims[i]
  const repeat =
    (existing !== undefined && compareClaims(existing, claim) === 0) ||
    (pred !== undefined && pred.deviceId === deviceId) ||
    // Older than every kept claim of a full record: its holding ended `claimsKept` takes ago.
    (pred === undefined && claims.length >= claimsKept)
  if (repeat) return lastReport === record.lastReport ? record : withClaims(record, claims, lastReport)
  const head = claims.slice(0, i)
  let tail = claims.slice(i)
  const resumed = pred === undefined ? undefined : nextReport(pred.deviceId, claim)
  const succ = tail[0]
  const taken: Claim[] = [claim]
  if (resumed !== undefined && (succ === undefined || compareClaims(resumed, succ) < 0)) taken.push(resumed)
  else if (succ !== undefined && succ.deviceId === deviceId) tail = tail.slice(1)
  const kept = head.concat(taken, tail)
  return withClaims(record, kept.length > claimsKept ? kept.slice(kept.length - claimsKept) : kept, lastReport)
}

/**
 * The record with these claims, as one literal: `{ ...record, claims, lastReport }` gave every
 * token record a hidden class of its own in V8 (about 300 bytes of heap each, measured on
 * 50,000 registrations), and stores hold a token record per registration.
 */
const withClaims = (record: TokenRecord, claims: readonly Claim[], lastReport: Claim): TokenRecord => {
  const next: TokenRecord = {
    kind: 'token',
    appId: record.appId,
    key: record.key,
    claims,
    lastReport,
    deaths: record.deaths,
    ambiguous: record.ambiguous,
    deliveries: record.deliveries,
  }
  return record.settled === undefined ? next : { ...next, settled: record.settled }
}

/** Where `claim` goes among claims in R3 order: the index of the first that is not before it. */
const insertionIndex = (claims: readonly Claim[], claim: Claim): number => partitionPoint(claims, (c) => compareClaims(c, claim) < 0)

/** The time of the latest report, `-Infinity` when none. */
export const latestClaimAt = (record: TokenRecord): number => (record.lastReport ?? orderedClaims(record).at(-1))?.at ?? -Infinity

/**
 * R3, R16–R18: the claim whose device held the token at `at` by the claims: the greatest claim
 * at or before `at` (claims come before answers at equal times). A device's view depends only
 * on the evidence from its latest report of its token until the next claim, so evidence at `at`
 * can change the view of this device only.
 */
export const claimantAt = (record: TokenRecord | undefined, at: Instant): Claim | undefined => {
  if (record === undefined) return undefined
  const claims = orderedClaims(record)
  return claims[partitionPoint(claims, (c) => c.at <= at) - 1]
}

/**
 * R3: the devices other than `deviceId` whose view its report at `at` changes, each with the
 * time from which its history changes: when the report takes the token, the device that held
 * it just before (it now moves at `at`, and takes it back at its next report, if any). None
 * when the report takes nothing (it follows its own device's).
 */
export const claimNeighbours = (record: TokenRecord | undefined, deviceId: DeviceId, at: Instant): Claim[] => {
  if (record === undefined) return []
  const claims = orderedClaims(record)
  const claim: Claim = { deviceId, at }
  const i = insertionIndex(claims, claim)
  const pred = claims[i - 1]
  const existing = claims[i]
  if (pred === undefined || pred.deviceId === deviceId || (existing !== undefined && compareClaims(existing, claim) === 0)) return []
  return [{ deviceId: pred.deviceId, at }]
}
