import * as E from 'fp-ts/lib/Either.js'
import { RetentionC } from '../codecs/config.js'
import type { Issue } from '../codecs/issue.js'
import { issuesOf } from '../codecs/issue.js'
import type { Duration } from '../domain/policy.js'
import type { GuardedStorage } from './store.js'

/** D14: the change feed keeps a change this long unless the host says otherwise. */
export const defaultChangeRetention: Duration = 30 * 86_400_000

/** How often a committing registry prunes the feed on its own. */
const pruneEvery: Duration = 3_600_000

/** The `changeRetention` option, decoded (a failure names the option and D14). */
export const decodeRetention = (value: unknown): E.Either<readonly Issue[], Duration> => {
  if (value === undefined) return E.right(defaultChangeRetention)
  const decoded = RetentionC.decode(value)
  return E.isLeft(decoded) ? E.left(issuesOf(decoded.left, 'changeRetention')) : E.right(decoded.right)
}

/**
 * The feed's retention (D14): `prune` removes changes older than the retention; `tick`, called
 * after each commit, prunes in the background at most once an hour of the registry's clock,
 * so that a registry that only ingests keeps its feed bounded. A failed background prune is
 * tried again at the next tick; `settled` lets `close()` wait for one in flight.
 */
export class Retention {
  private last = Number.NEGATIVE_INFINITY
  private running: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly storage: GuardedStorage,
    private readonly now: () => number,
    private readonly retention: Duration,
  ) {}

  prune(before: number = this.now() - this.retention): Promise<number> {
    return this.storage.pruneChanges({ before })
  }

  tick(): void {
    const now = this.now()
    if (now - this.last < pruneEvery) return
    this.last = now
    this.running = this.prune(now - this.retention).catch(() => {
      this.last = Number.NEGATIVE_INFINITY
    })
  }

  settled(): Promise<unknown> {
    return this.running
  }
}
