import type { ChangeDraft, ChangesRequest, StoredChange, UserId } from 'push-registry'

/**
 * The memory adapter's change feed: one array in commit order. JavaScript runs one commit at
 * a time, so the order changes are appended in is the order their commits applied in, and a
 * sequence number is a cursor. Pruning and forgetting leave the rest in order; cursors keep
 * meaning "after this number" whatever was removed.
 */
export const createMemoryFeed = () => {
  let changes: StoredEntry[] = []
  let last = 0

  /** The index of the first change after `cursor` (binary search: sequence numbers increase). */
  const start = (cursor: string | undefined): number => {
    const after = cursor === undefined ? 0 : parseCursor(cursor)
    let lo = 0
    let hi = changes.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((changes[mid] as StoredEntry).seq <= after) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  return {
    append: (drafts: readonly ChangeDraft[]): void => {
      for (const draft of drafts) {
        last += 1
        changes.push({ seq: last, stored: { cursor: String(last), at: draft.at, users: draft.users, change: draft.change } })
      }
    },
    read: (request: ChangesRequest): StoredChange[] => {
      const from = start(request.after)
      return changes.slice(from, from + Math.max(0, Math.floor(request.limit))).map((entry) => entry.stored)
    },
    forget: (users: readonly UserId[]): void => {
      const named = new Set<string>(users)
      changes = changes.filter((entry) => !entry.stored.users.some((user) => named.has(user)))
    },
    prune: (before: number): number => {
      const kept = changes.filter((entry) => entry.stored.at >= before)
      const removed = changes.length - kept.length
      changes = kept
      return removed
    },
  }
}

interface StoredEntry {
  readonly seq: number
  readonly stored: StoredChange
}

const parseCursor = (cursor: string): number => {
  const seq = Number(cursor)
  if (!/^\d{1,15}$/.test(cursor) || !Number.isSafeInteger(seq)) throw new Error(`invalid change cursor ${JSON.stringify(cursor)}`)
  return seq
}
