import type { RegistrationEntry, SubscriptionState, UserId } from 'push-registry'

/**
 * What the memory store knows of one user for its joins: their subscription state (R11, from
 * their user entry; `subscribed` without one) and the registration entries whose `owners` name
 * them. A registration holds its owners' cells, so a target query reads an owner's state with
 * one pointer, not a hash look-up of their id per candidate; a subscription change writes one
 * cell, whatever the number of devices the user owns.
 */
export interface UserCell {
  state: SubscriptionState
  /** Whether the user has a user record: its scope position holds this cell, so it is never dropped. */
  recorded: boolean
  /** Most users own one registration: a lone entry is held as it is, a second one makes an array. */
  owned: RegistrationEntry | RegistrationEntry[] | undefined
}

/** A registration's owners' cells: none, one, or one per owner (shared mode, R10). */
export type OwnerCells = UserCell | readonly UserCell[] | null

/**
 * Per user, a {@link UserCell}. A kiosk user's array of entries grows with their devices, and a
 * write touches only the cells of the owners it adds or removes. A cell that holds nothing but
 * the default is dropped.
 */
export class OwnedIndex {
  private readonly byUser = new Map<UserId, UserCell>()

  /** The entries naming `userId` as an owner, in no particular order. */
  of(userId: UserId): readonly RegistrationEntry[] {
    const owned = this.byUser.get(userId)?.owned
    return owned === undefined ? [] : Array.isArray(owned) ? owned : [owned]
  }

  /**
   * A user record was written, its entry saying `state`: answers the user's cell, which the
   * user scope keeps at the record's position so that a walk over every user reads each one's
   * state and entries with no look-up by id. The cell stays while the record does.
   */
  recordWritten(userId: UserId, state: SubscriptionState): UserCell {
    const cell = this.cell(userId)
    cell.state = state
    cell.recorded = true
    return cell
  }

  /** A user record was deleted: their state is the default again (R11). */
  recordDeleted(userId: UserId): void {
    const cell = this.byUser.get(userId)
    if (cell === undefined) return
    cell.state = 'subscribed'
    cell.recorded = false
    this.dropIfEmpty(userId, cell)
  }

  /**
   * A registration's entry changed from `before` to `after` (either may be absent); answers the
   * cells of `after`'s owners, for the registration to hold.
   */
  replace(before: RegistrationEntry | null | undefined, after: RegistrationEntry | null): OwnerCells {
    if (before != null) {
      for (const owner of before.owners) if (after === null || !after.owners.includes(owner)) this.remove(owner, before)
    }
    if (after === null) return null
    for (const owner of after.owners) this.put(this.cell(owner), before ?? null, after)
    const owners = after.owners
    if (owners.length === 0) return null
    if (owners.length === 1) return this.cell(owners[0] as UserId)
    return owners.map((owner) => this.cell(owner))
  }

  private cell(userId: UserId): UserCell {
    let cell = this.byUser.get(userId)
    if (cell === undefined) this.byUser.set(userId, (cell = { state: 'subscribed', recorded: false, owned: undefined }))
    return cell
  }

  private dropIfEmpty(userId: UserId, cell: UserCell): void {
    if (cell.owned === undefined && !cell.recorded) this.byUser.delete(userId)
  }

  private remove(owner: UserId, entry: RegistrationEntry): void {
    const cell = this.byUser.get(owner)
    if (cell === undefined) return
    const held = cell.owned
    if (held === entry) cell.owned = undefined
    else if (Array.isArray(held)) {
      const i = held.indexOf(entry)
      if (i >= 0) held.splice(i, 1)
      if (held.length === 1) cell.owned = held[0] as RegistrationEntry
    }
    this.dropIfEmpty(owner, cell)
  }

  private put(cell: UserCell, before: RegistrationEntry | null, after: RegistrationEntry): void {
    const held = cell.owned
    if (held === undefined || held === before) cell.owned = after
    else if (Array.isArray(held)) {
      const i = before === null ? -1 : held.indexOf(before)
      if (i >= 0) held[i] = after
      else held.push(after)
    } else cell.owned = [held, after]
  }
}
