import type { UserId } from '../domain/brand.js'
import { emptyList } from '../domain/order.js'
import type { ChangeDraft, StoredChange } from '../ports/storage.js'
import type { PendingEvent, RegistryEvents } from './events.js'
import type { GuardedStorage } from './store.js'

/** The names of the changes the feed carries: every event but `input.rejected`, which changes nothing. */
export type ChangeName = Exclude<keyof RegistryEvents, 'input.rejected'>

/**
 * One change of the registry's state, as the durable feed (`registry.changes()`) carries it.
 * `name` and `payload` are exactly what `on(name, listener)` receives; tokens are redacted
 * (S2): the feed is meant to be logged, copied and kept for days.
 */
export type RegistryChange = {
  [K in ChangeName]: {
    /** Resumes the feed after this change: `changes({ after: cursor })`. Opaque. */
    readonly cursor: string
    /** When the registry committed the change (its clock), in ms since the epoch. */
    readonly at: number
    readonly name: K
    readonly payload: RegistryEvents[K][0]
  }
}[ChangeName]

/** Options of `registry.changes()`. */
export interface ChangesOptions {
  /** The cursor of the last change already handled; absent: from the oldest change kept. */
  readonly after?: string
  /**
   * Keep waiting for new changes once caught up, until `signal` aborts (then the iteration
   * ends). Default `false`: the iteration ends when it has caught up.
   */
  readonly follow?: boolean
  /** Ends a following iteration. */
  readonly signal?: AbortSignal
  /** How often a following reader asks the store for changes other instances committed. Default 1,000 ms. */
  readonly pollInterval?: number
  /** Changes read from the store at once. Default 256. */
  readonly pageSize?: number
}

/** An event as the state change it is, or `undefined` for events that change nothing. */
const asChange = (event: PendingEvent): (PendingEvent & { readonly name: ChangeName }) | undefined =>
  event.name === 'input.rejected' ? undefined : (event as PendingEvent & { readonly name: ChangeName })

/**
 * The users a change names, for erasure. `user.erased` names none: it is the notice that the
 * user is gone, kept until retention removes it, and a repeated erasure must not forget it.
 */
const usersOf = (event: PendingEvent & { readonly name: ChangeName }): readonly UserId[] => {
  const named = new Set<UserId>()
  const add = (user: UserId | null | undefined): void => {
    if (user !== null && user !== undefined) named.add(user)
  }
  switch (event.name) {
    case 'user.erased':
      break
    case 'subscription.changed':
    case 'optin.changed':
      add(event.payload.userId)
      break
    case 'token.transferred':
      add(event.payload.owner)
      add(event.payload.from)
      add(event.payload.to)
      break
    default:
      add(event.payload.owner)
  }
  return named.size === 0 ? emptyList : [...named]
}

/** The feed entries of a commit's events, at the commit's time. */
export const draftsOf = (events: readonly PendingEvent[], at: number): ChangeDraft[] =>
  events.flatMap((event) => {
    const change = asChange(event)
    return change === undefined ? [] : [{ at, users: usersOf(change), change: { name: change.name, payload: change.payload } }]
  })

/** A stored change as the registry hands it out. */
const fromStored = (stored: StoredChange): RegistryChange => {
  const { name, payload } = stored.change as { readonly name: ChangeName; readonly payload: unknown }
  return { cursor: stored.cursor, at: stored.at, name, payload } as RegistryChange
}

/** Wakes followers when this registry commits, so that they need not wait for their next poll. */
export class CommitBell {
  private waiting: (() => void)[] = []
  /** How many times it rang: a reader notes it before reading, so a ring while it read is not missed. */
  rings = 0
  ring(): void {
    this.rings += 1
    const waiting = this.waiting
    this.waiting = []
    for (const wake of waiting) wake()
  }
  /**
   * Resolves at the next ring, after `ms`, or when `signal` aborts, whichever comes first; at
   * once if it rang since `since` (a count of `rings`).
   */
  wait(ms: number, signal: AbortSignal | undefined, since: number): Promise<void> {
    if (this.rings !== since || signal?.aborted === true) return Promise.resolve()
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        this.waiting = this.waiting.filter((w) => w !== done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
      this.waiting.push(done)
    })
  }
}

/**
 * The durable feed, page by page from the store: every change in commit order, at least once
 * (a host that saves the cursor after handling a change, and resumes from it, sees each change
 * once; one that crashes in between sees that change again).
 */
export async function* readChanges(storage: GuardedStorage, bell: CommitBell, options: ChangesOptions = {}): AsyncGenerator<RegistryChange> {
  const limit = Math.max(1, Math.floor(options.pageSize ?? 256))
  const pollInterval = Math.max(1, options.pollInterval ?? 1000)
  let after = options.after
  for (;;) {
    if (options.signal?.aborted === true) return
    const rings = bell.rings
    const page = await storage.readChanges({ limit, ...(after === undefined ? {} : { after }) })
    for (const stored of page) {
      yield fromStored(stored)
      after = stored.cursor
    }
    if (page.length === limit) continue
    if (options.follow !== true) return
    await bell.wait(pollInterval, options.signal, rings)
  }
}
