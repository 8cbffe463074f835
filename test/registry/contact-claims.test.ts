import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { ContactRecord, RecordKey } from 'push-registry'
import { createRegistry } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { measuringStorage } from './measuring-storage.js'
import { contactClaimsKept } from '../../src/domain/contact.js'
import { allApps, at, attributes, minute, testClock } from './harness.js'

/**
 * D11, D14: an address claimed by many users. The look-up gives it to the latest claimant who
 * still holds it; the record keeps the latest claims only, so it and each claim's cost stay
 * flat in the claimants.
 */


const shared = 'support@example.com'
const contactKey: RecordKey = { kind: 'contact', contact: 'email', value: shared }
const user = (i: number) => `user-${String(i).padStart(5, '0')}`

const claimedBy = async (count: number) => {
  const { storage, reset, measured } = measuringStorage()
  // No record cache: what the next claim reads from the store is the record's cost, whatever
  // the cache happens to hold after batches of different sizes.
  const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(count * minute + minute)), recordCacheSize: 0 })
  const claims = Array.from({ length: count }, (_, i) => attributes({ at: at(i * minute), user: user(i), email: shared }))
  for (let i = 0; i < claims.length; i += 1000) expect((await registry.ingest(claims.slice(i, i + 1000))).rejected).toEqual([])
  reset()
  expect((await registry.ingest([attributes({ at: at(count * minute), user: user(count), email: shared })])).rejected).toEqual([])
  const cost = measured()
  const [stored] = await storage.read([contactKey])
  return { registry, cost, row: JSON.stringify(stored?.record).length, record: stored?.record as ContactRecord }
}

describe('contact records (D11, D14)', () => {
  it('D11, D14: an address claimed by 10 or 10,000 users keeps its row and the cost of the next claim flat', async () => {
    const few = await claimedBy(10)
    const many = await claimedBy(10_000)
    expect(many.record.claims).toHaveLength(contactClaimsKept)
    expect(many.row).toBeLessThanOrEqual(few.row * 2)
    expect(many.cost.keysRead).toBe(few.cost.keysRead)
    expect(many.cost.bytesRead).toBeLessThanOrEqual(few.cost.bytesRead * 2)
    expect(many.cost.bytesWritten).toBeLessThanOrEqual(few.cost.bytesWritten * 2)
    expect(many.row).toBeLessThan(1024)
    // D11: the latest claim wins; when its user changes address, the one before it does.
    expect(await many.registry.lookup({ email: shared })).toBe(user(10_000))
    await many.registry.ingest([attributes({ at: at(20_000 * minute), user: user(10_000), email: 'elsewhere@example.com' })])
    expect(await many.registry.lookup({ email: shared })).toBe(user(9_999))
  })

  it('D11, D14: a contact record written before the bound, listing every claimant, is read as it is and cut to the latest on its next write', async () => {
    const { storage } = measuringStorage()
    const registry = createRegistry({ apps: allApps as never, storage, clock: testClock(at(60 * minute)) })
    await registry.ingest(Array.from({ length: 40 }, (_, i) => attributes({ at: at(i * minute), user: user(i), email: shared })))
    const [stored] = await storage.read([contactKey])
    // What the release before the bound stored: every claimant.
    const listed: ContactRecord = { ...(stored?.record as ContactRecord), claims: Array.from({ length: 40 }, (_, i) => ({ userId: user(i) as never, at: Date.parse(at(i * minute)) as never })) }
    expect(await storage.commit([{ record: listed, expectedVersion: stored?.version ?? 0 }])).toEqual({ ok: true })
    expect(await registry.lookup({ email: shared })).toBe(user(39))
    await registry.ingest([attributes({ at: at(50 * minute), user: user(40), email: shared })])
    const [rewritten] = await storage.read([contactKey])
    expect((rewritten?.record as ContactRecord).claims.map((c) => c.userId).sort()).toEqual(Array.from({ length: contactClaimsKept }, (_, i) => user(40 - i)).sort())
    expect(await registry.lookup({ email: shared })).toBe(user(40))
  })

  // Users setting their email among a few addresses (and clearing it), at colliding times (R20).
  const users = Array.from({ length: 40 }, (_, i) => `u${i}`)
  const addresses = ['a@x.io', 'b@x.io']
  const inputArb = fc
    .tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom(...users), fc.constantFrom<string | null>(...addresses, ' A@X.io', 'c@x.io', null))
    .map(([t, userId, email]) => attributes({ at: at(t * minute), user: userId, email }))

  /**
   * The look-up over every claim, as the records were before the bound: each user's latest
   * claim of the address, the latest first (equal times: the greater user id), and the first
   * whose user holds the address now (their latest value, R20, D11). With it, the rank of that
   * claim among every claim: the bound keeps the latest `contactClaimsKept`.
   */
  const unbounded = (inputs: readonly ReturnType<typeof attributes>[], address: string) => {
    const normal = (e: string | null | undefined) => (typeof e === 'string' ? e.trim().toLowerCase() : e)
    const current = new Map<string, { at: string; email: string | null }>()
    const claims = new Map<string, string>()
    for (const input of inputs) {
      const email = normal(input.email)
      if (email === undefined) continue
      const held = current.get(input.userId)
      const later = held === undefined || input.at > held.at || (input.at === held.at && JSON.stringify(email) > JSON.stringify(held.email))
      if (later) current.set(input.userId, { at: input.at, email })
      if (email === address && (claims.get(input.userId) ?? '') < input.at) claims.set(input.userId, input.at)
    }
    const ranked = [...claims].sort(([ua, ta], [ub, tb]) => (ta !== tb ? (ta < tb ? 1 : -1) : ua < ub ? 1 : -1))
    const rank = ranked.findIndex(([userId]) => current.get(userId)?.email === address)
    return { holder: rank === -1 ? null : (ranked[rank] as [string, string])[0], rank }
  }

  it('D11, D14, I9: the look-up is the latest claimant who still holds the address, in any order and with duplicates, while they are among the latest claims kept', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(inputArb, { minLength: 1, maxLength: 150 }).chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray([...list, ...list.slice(0, 10)], { minLength: list.length + Math.min(10, list.length), maxLength: list.length + Math.min(10, list.length) })),
        ),
        async ([list, arrival]) => {
          const registry = createRegistry({ apps: allApps as never, storage: createMemoryStorage(), clock: testClock(at(60 * minute)) })
          for (const input of arrival) expect((await registry.ingest([input])).rejected).toEqual([])
          for (const address of addresses) {
            const { holder, rank } = unbounded(list, address)
            // Beyond the kept claims (the holder has `contactClaimsKept` later claimants, all gone elsewhere): nobody.
            expect(await registry.lookup({ email: address })).toBe(rank < contactClaimsKept ? holder : null)
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it(`D11, D14 (known limit): when the ${contactClaimsKept} latest claimants of an address all moved elsewhere, an older claimant who still holds it is no longer found`, async () => {
    const registry = createRegistry({ apps: allApps as never, storage: createMemoryStorage(), clock: testClock(at(60 * minute)) })
    const claimants = contactClaimsKept + 4
    await registry.ingest(Array.from({ length: claimants }, (_, i) => attributes({ at: at(i * minute), user: user(i), email: shared })))
    // The latest claimants leave, one after the other: the one before takes the address back each time.
    for (let i = claimants - 1; i >= 4; i--) {
      await registry.ingest([attributes({ at: at((40 + i) * minute), user: user(i), email: 'elsewhere@example.com' })])
      expect(await registry.lookup({ email: shared })).toBe(i === 4 ? null : user(i - 1))
    }
    // Users 0 to 3 still hold it, but their claims were older than every kept one (the unbounded answer: user 3).
  })
})
