import type { ChangeDraft, ChangesRequest, StoredChange, UserId } from 'push-registry'

/**
 * The memory adapter's change feed, in commit order. JavaScript runs one commit at a time, so
 * the order changes are appended in is the order their commits applied in, and a sequence
 * number is a cursor. Pruning and forgetting leave the rest in order; cursors keep meaning
 * "after this number" whatever was removed.
 *
 * Each change is kept as one JSON text `[users, change]` beside two packed arrays of numbers (its
 * sequence number and its time): a change costs about its JSON's length in heap, and
 * `readChanges` builds objects only for the page asked for (fresh ones: what a reader holds
 * never changes under it). The text is stored flat and one byte per character: `JSON.stringify`
 * answers a rope of the pieces it built, and a redacted token's `…` makes the whole text two
 * bytes per character; kept as they come, a `token.registered` costs 344 bytes instead of 184.
 */
export const createMemoryFeed = () => {
  let texts: string[] = []
  let seqs: number[] = []
  let times: number[] = []
  let last = 0

  /** The index of the first change after `cursor` (binary search: sequence numbers increase). */
  const start = (cursor: string | undefined): number => {
    const after = cursor === undefined ? 0 : parseCursor(cursor)
    let lo = 0
    let hi = seqs.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((seqs[mid] as number) <= after) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Keeps the changes `keep` accepts (given their index); answers how many went. */
  const retain = (keep: (i: number) => boolean): number => {
    const kept: number[] = []
    for (let i = 0; i < texts.length; i++) if (keep(i)) kept.push(i)
    const removed = texts.length - kept.length
    texts = kept.map((i) => texts[i] as string)
    seqs = kept.map((i) => seqs[i] as number)
    times = kept.map((i) => times[i] as number)
    return removed
  }

  return {
    append: (added: readonly ChangeDraft[]): void => {
      for (const draft of added) {
        texts.push(flatAsciiJson([draft.users, draft.change]))
        times.push(draft.at)
        seqs.push(++last)
      }
    },
    read: (request: ChangesRequest): StoredChange[] => {
      const from = start(request.after)
      const to = Math.min(texts.length, from + Math.max(0, Math.floor(request.limit)))
      const page: StoredChange[] = []
      for (let i = from; i < to; i++) {
        const [users, change] = JSON.parse(texts[i] as string) as [UserId[], unknown]
        page.push({ cursor: String(seqs[i]), at: times[i] as number, users, change })
      }
      return page
    },
    forget: (users: readonly UserId[]): void => {
      const named = new Set<string>(users)
      // Erasure is rare: reading every change's users back is cheaper than indexing them.
      retain((i) => !(JSON.parse(texts[i] as string) as [string[]])[0].some((user) => named.has(user)))
    },
    prune: (before: number): number => retain((i) => (times[i] as number) >= before),
  }
}

/**
 * JSON with every non-ASCII character escaped (the same data), as one flat string of one byte
 * per character: copying it through latin1 bytes rebuilds it in one piece in that encoding.
 */
const flatAsciiJson = (value: unknown): string => {
  const json = JSON.stringify(value)
  const ascii = nonAscii.test(json) ? json.replace(nonAsciiAll, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json
  return Buffer.from(ascii, 'latin1').toString('latin1')
}

const nonAscii = /[\u007f-\uffff]/
const nonAsciiAll = /[\u007f-\uffff]/g

const parseCursor = (cursor: string): number => {
  const seq = Number(cursor)
  if (!/^\d{1,15}$/.test(cursor) || !Number.isSafeInteger(seq)) throw new Error(`invalid change cursor ${JSON.stringify(cursor)}`)
  return seq
}
