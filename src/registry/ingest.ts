import * as E from 'fp-ts/lib/Either.js'
import type { AppLookup } from '../codecs/decode-input.js'
import { decodeInput } from '../codecs/decode-input.js'
import type { InputCodecs } from '../codecs/inputs.js'
import type { Issue } from '../codecs/issue.js'
import type { Limits } from '../codecs/limits.js'
import { decide, needs } from '../domain/decide.js'
import type { Input } from '../domain/input.js'
import type { Catalog } from '../domain/world.js'
import { ContentionError } from './errors.js'
import type { PendingEvent } from './events.js'
import { eventsOf } from './events.js'
import type { GuardedStorage } from './store.js'
import { WorkingSet } from './store.js'

/** One rejected input: its index in the batch and every issue found (S3, I11). */
export interface Rejection {
  readonly index: number
  readonly issues: readonly Issue[]
}

/** What `ingest` did. It never throws for bad input: bad input is reported here. */
export interface IngestReport {
  /** Inputs that passed validation and are now part of the state (duplicates included: I9). */
  readonly accepted: number
  readonly rejected: readonly Rejection[]
  /** Set when the batch itself was refused (too large, not a list): nothing was applied. */
  readonly refused?: Issue
}

export interface IngestDeps {
  readonly codecs: InputCodecs
  readonly apps: AppLookup
  readonly catalog: Catalog
  readonly limits: Limits
  readonly storage: GuardedStorage
  readonly emit: (events: readonly PendingEvent[]) => void
  /** Whether anyone listens; when no one does, the state diff is not computed at all. */
  readonly listening: () => boolean
  /** Commit attempts before a batch gives up on contention. */
  readonly maxAttempts: number
}

/** How many accepted inputs go into one atomic commit. */
const unitSize = 1000

/**
 * Validates every input, then applies the accepted ones in atomic units: load what they
 * read, fold them in, commit conditionally, and on a conflict read again and redo the unit.
 * Redoing is safe because applying an input twice is applying it once (I9).
 */
export const ingest = async (deps: IngestDeps, payload: unknown): Promise<IngestReport> => {
  const single = !Array.isArray(payload)
  const items: readonly unknown[] = single ? [payload] : (payload as unknown[])
  if (items.length > deps.limits.maxBatchSize) {
    return {
      accepted: 0,
      rejected: [],
      refused: { path: 'inputs', rule: 'S3', message: `a batch holds at most ${deps.limits.maxBatchSize} inputs (got ${items.length})` },
    }
  }
  const accepted: Input[] = []
  const rejected: Rejection[] = []
  // An index loop, not forEach: a hole in a sparse array is an input too (`undefined`), and
  // must be rejected, not skipped.
  for (let index = 0; index < items.length; index++) {
    const decoded = decodeInput(deps.codecs, deps.apps, items[index], single ? 'input' : `inputs[${index}]`)
    if (E.isRight(decoded)) accepted.push(decoded.right)
    else rejected.push({ index, issues: decoded.left })
  }
  if (rejected.length > 0) {
    deps.emit(rejected.map((r) => ({ name: 'input.rejected', payload: r })))
  }
  for (let start = 0; start < accepted.length; start += unitSize) {
    await applyUnit(deps, accepted.slice(start, start + unitSize))
  }
  return { accepted: accepted.length, rejected }
}

/**
 * Applies a unit atomically. On a conflict the unit is read and applied again; a unit that
 * keeps conflicting is split in halves, so that under contention small commits still get
 * through, down to single inputs, which retry with jittered backoff until the budget is spent.
 * Nothing is lost on a retry: every attempt re-reads the store and re-applies the same inputs.
 */
const applyUnit = async (deps: IngestDeps, inputs: readonly Input[]): Promise<void> => {
  const budget = inputs.length > 1 ? Math.min(3, deps.maxAttempts) : deps.maxAttempts
  for (let attempt = 1; attempt <= budget; attempt++) {
    if (await tryUnit(deps, inputs)) return
    if (attempt < budget) await backoff(attempt)
  }
  if (inputs.length === 1) throw new ContentionError(deps.maxAttempts)
  const half = Math.ceil(inputs.length / 2)
  await applyUnit(deps, inputs.slice(0, half))
  await applyUnit(deps, inputs.slice(half))
}

/** One attempt: read, decide, commit. `false` when another writer got there first. */
const tryUnit = async (deps: IngestDeps, inputs: readonly Input[]): Promise<boolean> => {
  const ws = new WorkingSet()
  // Most inputs need only the records they name: read those for the whole unit at once.
  await ws.load(deps.storage, inputs.flatMap((input) => needs(ws, input)))
  for (const input of inputs) {
    for (let missing = ws.missing(needs(ws, input)); missing.length > 0; missing = ws.missing(needs(ws, input))) {
      await ws.load(deps.storage, missing)
    }
    ws.stage(decide(ws, input, deps.catalog))
  }
  const writes = ws.writes()
  if (writes.length === 0) return true
  const outcome = await deps.storage.commit(writes)
  if (!outcome.ok) return false
  if (deps.listening()) deps.emit(eventsOf((id) => ws.original(id), ws.changed()))
  return true
}

/** Full jitter: spreads retrying writers apart so that one of them wins the next round. */
const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 64)))
