import type { RegistrationEntry, UserId } from 'push-registry'

/**
 * Per user, the registration entries whose `owners` name them: what the memory store joins a
 * user query with. Most users own one registration, so a lone entry is held as it is and only
 * a second one makes an array; a kiosk user's array grows with their devices, and a write
 * touches only the lists of the owners it adds or removes.
 */
export class OwnedIndex {
  private readonly byUser = new Map<UserId, RegistrationEntry | RegistrationEntry[]>()

  /** The entries naming `userId` as an owner, in no particular order. */
  of(userId: UserId): readonly RegistrationEntry[] {
    const held = this.byUser.get(userId)
    return held === undefined ? [] : Array.isArray(held) ? held : [held]
  }

  /** A registration's entry changed from `before` to `after` (either may be absent). */
  replace(before: RegistrationEntry | null | undefined, after: RegistrationEntry | null): void {
    if (before != null) {
      for (const owner of before.owners) if (after === null || !after.owners.includes(owner)) this.remove(owner, before)
    }
    if (after !== null) for (const owner of after.owners) this.put(owner, before ?? null, after)
  }

  private remove(owner: UserId, entry: RegistrationEntry): void {
    const held = this.byUser.get(owner)
    if (held === entry) this.byUser.delete(owner)
    else if (Array.isArray(held)) {
      const i = held.indexOf(entry)
      if (i >= 0) held.splice(i, 1)
      if (held.length === 1) this.byUser.set(owner, held[0] as RegistrationEntry)
    }
  }

  private put(owner: UserId, before: RegistrationEntry | null, after: RegistrationEntry): void {
    const held = this.byUser.get(owner)
    if (held === undefined || held === before) this.byUser.set(owner, after)
    else if (Array.isArray(held)) {
      const i = before === null ? -1 : held.indexOf(before)
      if (i >= 0) held[i] = after
      else held.push(after)
    } else this.byUser.set(owner, [held, after])
  }
}
