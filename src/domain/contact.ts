import type { Instant, UserId } from './brand.js'
import { exact } from './order.js'
import type { ContactKind, ContactRecord } from './records.js'

/**
 * D11: contact addresses are compared in a normal form, so that a look-up finds
 * `Charlie@Example.com` under `charlie@example.com` and `+33 6 12 34 56 78` under
 * `+33612345678`.
 */
export const normalizeContact = (kind: ContactKind, value: string): string =>
  kind === 'email' ? value.trim().toLowerCase() : value.replace(/[\s().-]/g, '')

/**
 * D11, D14: the most claims a contact record keeps: the latest, one per user. The look-up
 * gives the address to the latest claimant who still holds it, so it needs the claims from
 * the latest back to that one; an address thousands of accounts share (a placeholder every
 * account was created with) would otherwise make every claim of it read and rewrite them all.
 */
export const contactClaimsKept = 16

type ContactClaim = ContactRecord['claims'][number]

/** D11's order: the later claim first, equal times to the greater user id (as the look-up reads them). */
const laterFirst = (a: ContactClaim, b: ContactClaim): number => b.at - a.at || (a.userId < b.userId ? 1 : a.userId > b.userId ? -1 : 0)

const byUser = (a: ContactClaim, b: ContactClaim): number => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)

/**
 * D11, D14: the address with `userId`'s claim at `at` (each user's latest claim counts), keeping
 * the latest {@link contactClaimsKept}, sorted by user id as stored; the record itself when
 * nothing changes. The kept claims are the latest of the set of every claim, whatever the
 * order they came in (I9). A record written before the bound is cut to them on its next write.
 */
export const withContactClaim = (record: ContactRecord, userId: UserId, at: Instant): ContactRecord => {
  const previous = record.claims.find((c) => c.userId === userId)
  if (previous !== undefined && previous.at >= at && record.claims.length <= contactClaimsKept) return record
  const claims = record.claims
    .filter((c) => c.userId !== userId)
    .concat([{ userId, at: previous !== undefined && previous.at > at ? previous.at : at }])
    .sort(laterFirst)
    .slice(0, contactClaimsKept)
    .sort(byUser)
  const same = claims.length === record.claims.length && claims.every((c, i) => c.userId === record.claims[i]?.userId && c.at === record.claims[i]?.at)
  return same ? record : { ...record, claims: exact(claims) }
}
