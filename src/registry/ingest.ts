import * as E from 'fp-ts/lib/Either.js'
import type { AppLookup } from '../codecs/decode-input.js'
import { decodeInput } from '../codecs/decode-input.js'
import type { InputCodecs } from '../codecs/inputs.js'
import type { Issue } from '../codecs/issue.js'
import type { Limits } from '../codecs/limits.js'
import { decide, needs } from '../domain/decide.js'
import { isLate } from '../domain/late.js'
import type { Input } from '../domain/input.js'
import type { RecordKey } from '../domain/records.js'
import type { Catalog } from '../domain/world.js'
import type { CommitOptions, CommitRefusal, RecordWrite } from '../ports/storage.js'
import { draftsOf } from './change-feed.js'
import { ContentionError } from './errors.js'
import type { PendingEvent } from './events.js'
import { eventsOf } from './events.js'
import type { GuardedStorage } from './store.js'
import { WorkingSet } from './store.js'
import { cachedUnitLimit } from './record-cache.js'
import type { RecordSource } from './pending-writes.js'
import { PendingWrites } from './pending-writes.js'

/** One rejected input: its index in the batch and every issue found (S3, I11). */
export interface Rejection {
  readonly index: number
  readonly issues: readonly Issue[]
}

/** What `ingest` did. It never throws for bad input: bad input is reported here. */
export interface IngestReport {
  /**
   * Inputs that passed validation and that the store accepted: they are now part of the state
   * (duplicates included: I9).
   */
  readonly accepted: number
  /**
   * Inputs rejected by validation, or refused by the store on their own merits (rule S3, at
   * the input's path: a token too long for the store's index, say), in index order. Either
   * way the input changed nothing (I11), and the others were applied.
   */
  readonly rejected: readonly Rejection[]
  /**
   * D14: accepted inputs that arrived later than their registration's reorder window. They are
   * applied exactly to every last-writer-wins value; what they add to the history before the
   * window (changelog entries, opt-ins) is appended at the time the fold gives it.
   */
  readonly late: number
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
  /** Called once a commit applied, with the events it wrote to the feed. */
  readonly committed: (events: readonly PendingEvent[]) => void
  /** The registry's clock: the time the feed records a commit at. */
  readonly now: () => number
  /** Commit attempts before a batch gives up on contention. */
  readonly maxAttempts: number
}

/** How many accepted inputs go into one atomic commit. */
const unitSize = 1000

/** An accepted input, and where it stood in the payload. */
interface Placed {
  readonly input: Input
  readonly index: number
}

/** Where the issues of the payload's input `index` point: `input` alone, `inputs[i]` in a batch. */
type PathOf = (index: number) => string

/**
 * Validates every input, then applies the accepted ones in atomic units: load what they
 * read, fold them in, commit conditionally, and on a conflict read again and redo the unit.
 * Redoing is safe because applying an input twice is applying it once (I9). Inputs whose
 * writes the store refuses on their own merits are isolated and rejected (see `applyUnit`).
 */
export const ingest = async (deps: IngestDeps, payload: unknown): Promise<IngestReport> => {
  const single = !Array.isArray(payload)
  const items: readonly unknown[] = single ? [payload] : (payload as unknown[])
  if (items.length > deps.limits.maxBatchSize) {
    return {
      accepted: 0,
      rejected: [],
      late: 0,
      refused: { path: 'inputs', rule: 'S3', message: `a batch holds at most ${deps.limits.maxBatchSize} inputs (got ${items.length})` },
    }
  }
  const pathOf: PathOf = (index) => (single ? 'input' : `inputs[${index}]`)
  const accepted: Placed[] = []
  const rejected: Rejection[] = []
  // An index loop, not forEach: a hole in a sparse array is an input too (`undefined`), and
  // must be rejected, not skipped.
  for (let index = 0; index < items.length; index++) {
    const decoded = decodeInput(deps.codecs, deps.apps, items[index], pathOf(index))
    if (E.isRight(decoded)) accepted.push({ input: decoded.right, index })
    else rejected.push({ index, issues: decoded.left })
  }
  if (rejected.length > 0) {
    deps.emit(rejected.map((r) => ({ name: 'input.rejected', payload: r })))
  }
  const refusedByStore: Rejection[] = []
  let late = 0
  // The next unit's first attempt, decided while this one's commit ran (see `pipelined`).
  let ahead: Decided | undefined
  for (let start = 0; start < accepted.length; start += unitSize) {
    const unit = accepted.slice(start, start + unitSize)
    const next = accepted.slice(start + unitSize, start + 2 * unitSize)
    const overlaps = pipelined(deps, unit, next)
    let first: Attempt | undefined
    if (ahead !== undefined || overlaps) {
      const decided = ahead ?? (await decideUnit(deps, inputsOf(unit), true))
      ahead = undefined
      const committing = commitDecided(deps, decided)
      if (overlaps) {
        // Awaited below; a rejection meanwhile must not count as unhandled.
        committing.catch(() => undefined)
        // A failed read here is the next unit's to meet again, on its own attempt.
        ahead = await decideUnit(deps, inputsOf(next), true, pendingOf(decided)).catch(() => undefined)
      }
      first = await committing
      if (first.outcome !== 'applied') ahead = undefined
    }
    const applied = await applyUnit(deps, unit, pathOf, first)
    if (applied.refused.length > 0) deps.emit(applied.refused.map((r) => ({ name: 'input.rejected', payload: r })))
    refusedByStore.push(...applied.refused)
    late += applied.late
  }
  if (refusedByStore.length === 0) return { accepted: accepted.length, rejected, late }
  return {
    accepted: accepted.length - refusedByStore.length,
    rejected: [...rejected, ...refusedByStore].sort((a, b) => a.index - b.index),
    late,
  }
}

/**
 * Applies a unit atomically, and answers the inputs the store refused. On a conflict the unit
 * is read and applied again; a unit that keeps conflicting is split in halves, so that under
 * contention small commits still get through, down to single inputs, which retry with
 * jittered backoff until the budget is spent. Nothing is lost on a retry: every attempt
 * re-reads the store and re-applies the same inputs.
 *
 * A unit the store refuses (`refused`: its writes are refused whoever else writes) is split
 * at once, without retrying: the halves are applied on their own, and so on down to the
 * inputs whose own writes are refused, which are rejected. A unit of n inputs holding k
 * refused ones costs about 2k·log2(n) more commits, and every other input is applied.
 */
/** What a unit did: the inputs the store refused, and how many applied ones were late (D14). */
interface Applied {
  readonly refused: readonly Rejection[]
  readonly late: number
}

const applyUnit = async (deps: IngestDeps, unit: readonly Placed[], pathOf: PathOf, first?: Attempt): Promise<Applied> => {
  const budget = unit.length > 1 ? Math.min(3, deps.maxAttempts) : deps.maxAttempts
  for (let attempt = 1; attempt <= budget; attempt++) {
    const { outcome, late } = attempt === 1 && first !== undefined ? first : await tryUnit(deps, inputsOf(unit), attempt === 1)
    if (outcome === 'applied') return { refused: [], late }
    if (outcome !== 'conflict') {
      const [only] = unit
      return unit.length === 1 && only !== undefined ? { refused: [refusal(only.index, outcome, pathOf)], late: 0 } : applyHalves(deps, unit, pathOf)
    }
    if (attempt < budget) await backoff(attempt)
  }
  if (unit.length === 1) throw new ContentionError(deps.maxAttempts)
  return applyHalves(deps, unit, pathOf)
}

const applyHalves = async (deps: IngestDeps, unit: readonly Placed[], pathOf: PathOf): Promise<Applied> => {
  const half = Math.ceil(unit.length / 2)
  const first = await applyUnit(deps, unit.slice(0, half), pathOf)
  const second = await applyUnit(deps, unit.slice(half), pathOf)
  return { refused: [...first.refused, ...second.refused], late: first.late + second.late }
}

/** S3, I11: an input whose own writes the store refuses is rejected, and changed nothing. */
const refusal = (index: number, refused: CommitRefusal, pathOf: PathOf): Rejection => ({
  index,
  issues: [{ path: pathOf(index), rule: 'S3', message: `the storage refuses what this input writes: ${refused.reason}` }],
})

const inputsOf = (unit: readonly Placed[]): Input[] => unit.map((placed) => placed.input)

/** One attempt at a unit: what it did, and how many of its inputs were late (D14). */
interface Attempt {
  readonly outcome: 'applied' | 'conflict' | CommitRefusal
  readonly late: number
}

/**
 * Whether `unit`'s commit runs while `next` is decided: in a batch (both units over
 * `cachedUnitLimit`, which the record cache leaves alone) on a store that checks what a commit
 * read (`checksReads`) and runs outside this process (`sharedAcrossProcesses`: a server). The
 * server works on the commit while the registry reads and decides the next unit (one
 * statement each on PostgreSQL, where the two ran one after the other), so a batch costs about
 * the larger of the two instead of their sum. A store in this process (memory, PGlite) would
 * only interleave the two on one thread: PGlite ran batches about 20% slower so. The next unit takes what the
 * commit writes from the commit itself (`PendingWrites`), never from the store, and its own
 * commit checks those records (`reads`): it is sent only once this one applied, and decided
 * again from the store if this one did not.
 */
const pipelined = (deps: IngestDeps, unit: readonly Placed[], next: readonly Placed[]): boolean =>
  unit.length > cachedUnitLimit &&
  next.length > cachedUnitLimit &&
  deps.storage.capabilities.checksReads === true &&
  deps.storage.capabilities.sharedAcrossProcesses === true

/** A unit decided, and what its commit sends (`commit` absent: it changes nothing and checks nothing). */
interface Decided {
  readonly late: number
  readonly commit?: {
    readonly writes: readonly RecordWrite[]
    readonly options: CommitOptions | undefined
    readonly events: readonly PendingEvent[]
    readonly ofBatch: boolean
  }
}

/** What a decided unit's commit will have written once it applies. */
const pendingOf = (decided: Decided): PendingWrites => new PendingWrites(decided.commit?.writes ?? [], decided.commit?.options?.deletes ?? [])

/**
 * One attempt: read, decide, commit. `conflict` when another writer got there first; the
 * store's refusal when it will not hold these writes. `late`: the inputs older than their
 * registration's reorder window (D14), read before each is applied.
 *
 * The first attempt takes what it can from the registry's record cache (when it keeps one);
 * the commit checks those records are still at the versions cached (`reads`), so a record
 * another instance changed since makes it conflict. Retries read everything afresh.
 */
const tryUnit = async (deps: IngestDeps, inputs: readonly Input[], fromCache: boolean): Promise<Attempt> =>
  commitDecided(deps, await decideUnit(deps, inputs, fromCache))

/**
 * Reads what a unit needs and decides it. `pending`: the writes of the previous unit's commit,
 * under way, which the unit takes in place of the store's answer (a batch's next unit, see
 * `pipelined`).
 */
const decideUnit = async (deps: IngestDeps, inputs: readonly Input[], fromCache: boolean, pending?: RecordSource): Promise<Decided> => {
  // A batch's unit neither looks in the cache nor fills it (see `cachedUnitLimit`).
  const ofBatch = inputs.length > cachedUnitLimit
  const ws = pending !== undefined ? new WorkingSet(pending, true) : new WorkingSet(ofBatch ? undefined : deps.storage.cache, fromCache)
  // Most inputs need only the records they name: read those for the whole unit at once, in a
  // few rounds (what an input reads next can depend on what it read: a user's links are read
  // a level at a time, down to where a new link goes). A round asks again only the inputs that
  // missed something in the previous one (the loop below still asks every input before it is
  // applied, so this only batches the reads).
  // Records the cache holds are taken first, and the inputs asked again, before the rest is
  // read: what they say can make the rest unnecessary (a known device names no user records).
  let asking: readonly Input[] = inputs
  for (let round = 0; round < 3 && asking.length > 0; ) {
    const wanted: RecordKey[] = []
    const next: Input[] = []
    for (const input of asking) {
      const keys = needs(ws, input, deps.catalog)
      if (keys.some((key) => !ws.isLoaded(key))) {
        next.push(input)
        for (const key of keys) wanted.push(key)
      }
    }
    asking = next
    if (next.length === 0) break
    if (ws.takeCached(wanted)) continue
    await ws.load(deps.storage, wanted)
    round++
  }
  let late = 0
  for (const input of inputs) {
    for (let missing = ws.missing(needs(ws, input, deps.catalog)); missing.length > 0; missing = ws.missing(needs(ws, input, deps.catalog))) {
      await ws.load(deps.storage, missing)
    }
    if (isLate(ws, deps.catalog, input)) late++
    ws.takeMisses()
    // A transition may read records `needs` could not name (a user's links, found from their
    // links record): load what it missed and run it again, until it missed nothing.
    for (;;) {
      const written = decide(ws, input, deps.catalog)
      const missed = ws.takeMisses()
      if (missed.length === 0) {
        ws.stage(written)
        break
      }
      await ws.load(deps.storage, missed)
    }
  }
  const writes = ws.writes()
  // A unit that changes nothing commits nothing, unless it decided so from cached records: then
  // a commit of its reads alone checks they were current (an erasure elsewhere may have made
  // a duplicate input new again).
  const reads = ws.reads()
  if (writes.length === 0 && reads.length === 0) return { late }
  // The changes go into the feed in the same commit as the records (durable, at least once,
  // seen by every instance); listeners of this registry get the same events once it applied.
  const events = eventsOf((record) => ws.original(record), ws.changed())
  const options = {
    ...(events.length === 0 ? {} : { changes: draftsOf(events, deps.now()) }),
    ...(reads.length === 0 ? {} : { reads }),
  }
  return { late, commit: { writes, options: Object.keys(options).length === 0 ? undefined : options, events, ofBatch } }
}

/** Commits a decided unit; once it applied, tells the registry's listeners (`committed`). */
const commitDecided = async (deps: IngestDeps, decided: Decided): Promise<Attempt> => {
  const { late, commit } = decided
  if (commit === undefined) return { outcome: 'applied', late }
  const outcome = await deps.storage.commit(commit.writes, commit.options, commit.ofBatch)
  if (!outcome.ok) return { outcome: 'refused' in outcome ? outcome.refused : 'conflict', late }
  deps.committed(commit.events)
  return { outcome: 'applied', late }
}

/** Full jitter: spreads retrying writers apart so that one of them wins the next round. */
const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 64)))
