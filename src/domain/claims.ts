import type { DeviceId, Instant } from './brand.js'
import { insertSorted } from './order.js'
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
 * R3, D14: keeps each device's latest report of the token, and the latest `claimsKept` claims.
 * The kept claims are the greatest of the set of every device's latest report, whatever the
 * arrival order: a device whose claim was dropped has `claimsKept` later claims, so its older
 * reports are dropped too and a newer one enters. Returns `record` itself when nothing changes.
 */
export const withClaim = (record: TokenRecord, deviceId: DeviceId, at: Instant): TokenRecord => {
  const claims = orderedClaims(record)
  const index = claims.findIndex((c) => c.deviceId === deviceId)
  const previous = claims[index]
  if (previous !== undefined && previous.at >= at) return record
  const claim = { deviceId, at }
  const first = claims[0]
  if (previous === undefined && claims.length >= claimsKept && first !== undefined && compareClaims(claim, first) < 0) return record
  const others = previous === undefined ? claims : claims.filter((_, i) => i !== index)
  const inserted = insertSorted(others, claim, compareClaims)
  return { ...record, claims: inserted.length > claimsKept ? inserted.slice(inserted.length - claimsKept) : inserted }
}

/** The time of the latest claim, `-Infinity` when none. */
export const latestClaimAt = (record: TokenRecord): number => orderedClaims(record).at(-1)?.at ?? -Infinity

/**
 * R3, R16–R18: the claim whose device held the token at `at` by the claims: the greatest claim
 * at or before `at` (claims come before answers at equal times). A device's view depends only
 * on the evidence from its latest report of its token until the next claim, so evidence at `at`
 * can change the view of this device only.
 */
export const claimantAt = (record: TokenRecord | undefined, at: Instant): Claim | undefined => {
  if (record === undefined) return undefined
  const claims = orderedClaims(record)
  let lo = 0
  let hi = claims.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((claims[mid] as Claim).at <= at) lo = mid + 1
    else hi = mid
  }
  return claims[lo - 1]
}

/**
 * R3: the devices other than `deviceId` whose view its claim at `at` changes, each with the
 * time from which its history changes: the holder of the claim just before the new one (it
 * now moves at `at`) and, when the claim replaces an earlier one of the device, the holder of
 * the claim just before that (it no longer moves there). None when the claims do not change.
 */
export const claimNeighbours = (record: TokenRecord | undefined, deviceId: DeviceId, at: Instant): Claim[] => {
  if (record === undefined || withClaim(record, deviceId, at) === record) return []
  const claims = orderedClaims(record)
  const previous = claims.find((c) => c.deviceId === deviceId)
  const before = (bound: Claim): Claim | undefined => {
    let found: Claim | undefined
    for (const c of claims) {
      if (compareClaims(c, bound) >= 0) break
      if (c.deviceId !== deviceId) found = c
    }
    return found
  }
  const neighbours: Claim[] = []
  if (previous !== undefined) {
    const released = before(previous)
    if (released !== undefined) neighbours.push({ deviceId: released.deviceId, at: previous.at })
  }
  const taken = before({ deviceId, at })
  if (taken !== undefined && !neighbours.some((n) => n.deviceId === taken.deviceId)) neighbours.push({ deviceId: taken.deviceId, at })
  return neighbours
}
