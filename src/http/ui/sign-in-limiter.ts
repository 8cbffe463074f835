/** How failed sign-ins slow down further attempts. */
export interface SignInLimits {
  /** Failed sign-ins of one operator, or from one client address, before a lock-out starts. Default 5. */
  readonly freeFailures: number
  /** The first lock-out, in milliseconds; each further failure doubles it. Default 1 s. */
  readonly firstLockMs: number
  /** The longest lock-out, in milliseconds. Default 15 minutes. */
  readonly maxLockMs: number
}

/** The defaults of {@link SignInLimits}. */
export const defaultSignInLimits: SignInLimits = { freeFailures: 5, firstLockMs: 1000, maxLockMs: 15 * 60 * 1000 }

/** What a refused attempt means for one key: how many failures in a row, and locked until when. */
interface Failures {
  count: number
  lockedUntil: number
  last: number
}

/** The sign-in limit's verdict on an attempt about to be checked. */
export type Admission = { readonly admitted: true } | { readonly admitted: false; readonly retryAfterMs: number }

/** Failures against one key (`operator:ana`, `address:203.0.113.9`), counted in this process. */
export interface SignInLimiter {
  /** Whether an attempt under these keys may be checked now: refused while any of them is locked. */
  readonly admit: (keys: readonly string[], now: number) => Admission
  /** Records a failed attempt under every key; answers the highest failure count among them. */
  readonly failed: (keys: readonly string[], now: number) => number
  /** A successful sign-in forgets the failures of its keys. */
  readonly succeeded: (keys: readonly string[]) => void
}

/** Keys tracked at most; past it the keys that failed the longest ago are dropped first. */
const maxTracked = 10_000

/**
 * Growing lock-outs per key (per operator and per client address): after `freeFailures`
 * failures in a row, each further failure locks the key for `firstLockMs`, doubled each time,
 * up to `maxLockMs`. An attempt made while locked is refused without its secret being checked,
 * so the right secret found by guessing does not sign in either, and it does not lengthen the
 * lock: an attacker can keep an operator waiting, never lock them out for good. Failures are
 * forgotten after a success, or once a key stayed quiet for twice the longest lock. Time comes
 * from `now` (the handler's clock), so tests move it instead of sleeping.
 */
export const createSignInLimiter = (limits: SignInLimits, pinned: (key: string) => boolean): SignInLimiter => {
  const byKey = new Map<string, Failures>()
  const forgetAfter = 2 * limits.maxLockMs

  const current = (key: string, now: number): Failures | undefined => {
    const entry = byKey.get(key)
    if (entry !== undefined && now >= entry.lockedUntil && now - entry.last > forgetAfter) {
      byKey.delete(key)
      return undefined
    }
    return entry
  }

  const lockMs = (count: number): number => {
    const over = count - limits.freeFailures
    return over <= 0 ? 0 : Math.min(limits.maxLockMs, limits.firstLockMs * 2 ** Math.min(over - 1, 40))
  }

  return {
    admit: (keys, now) => {
      const until = Math.max(0, ...keys.map((key) => current(key, now)?.lockedUntil ?? 0))
      return until > now ? { admitted: false, retryAfterMs: until - now } : { admitted: true }
    },
    failed: (keys, now) => {
      let most = 0
      for (const key of keys) {
        const entry = current(key, now) ?? { count: 0, lockedUntil: 0, last: now }
        entry.count++
        entry.last = now
        entry.lockedUntil = now + lockMs(entry.count)
        // Re-inserted, so that the map's order is the order of last failure (oldest first).
        byKey.delete(key)
        byKey.set(key, entry)
        most = Math.max(most, entry.count)
      }
      // Pinned keys (the configured operators: as many as configured) are never dropped, so a
      // flood of other names or addresses cannot lift their lock.
      for (const key of byKey.keys()) {
        if (byKey.size <= maxTracked) break
        if (!pinned(key)) byKey.delete(key)
      }
      return most
    },
    succeeded: (keys) => {
      for (const key of keys) byKey.delete(key)
    },
  }
}
