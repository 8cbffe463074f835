import fc from 'fast-check'
import type { ChangeDraft, StoragePort, UserId } from 'push-registry'
import { expect, it } from 'vitest'
import { draft, drafted, readFeed } from './change-feed-contract.js'
import type { ConformanceOptions, RunSettings } from './options.js'
import { withStore } from './options.js'
import { createReferenceStorage } from './reference-storage.js'

/** One step on the feed: a commit appending (and maybe forgetting), or a pruning. */
type FeedStep =
  | { readonly kind: 'commit'; readonly changes: readonly ChangeDraft[]; readonly forget: readonly UserId[] }
  | { readonly kind: 'prune'; readonly before: number }

const users = ['kim', 'léa:2', 'charlie'] as const

const stepArbitrary: fc.Arbitrary<FeedStep> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        changes: fc.array(fc.record({ users: fc.subarray([...users]), at: fc.integer({ min: 0, max: 100 }) }), { maxLength: 4 }),
        forget: fc.oneof({ weight: 5, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.subarray([...users], { minLength: 1 }) }),
      })
      .map(({ changes, forget }): FeedStep => ({
        kind: 'commit',
        changes: changes.map((c) => draft('', c.users, c.at)),
        forget: forget as UserId[],
      })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 100 }).map((before): FeedStep => ({ kind: 'prune', before })) },
)

/** Runs the steps on a store, labelling each change with its place in the run. */
const run = async (store: StoragePort, steps: readonly FeedStep[]): Promise<void> => {
  let n = 0
  for (const step of steps) {
    if (step.kind === 'prune') await store.pruneChanges({ before: step.before })
    else {
      const changes = step.changes.map((c) => ({ ...c, change: { label: String(n++), users: c.users } }))
      expect(await store.commit([], { changes, forgetChanges: step.forget })).toEqual({ ok: true })
    }
  }
}

/**
 * Layer 2, the change feed as properties against the kit's reference storage: after any run
 * of commits, forgettings and prunings, the adapter's feed holds exactly the reference's
 * changes in the same (commit) order, with no gap, and reading it in pages of any size from
 * any of its cursors gives exactly the rest of it.
 */
export const describeChangeFeedProperties = (options: ConformanceOptions, settings: RunSettings): void => {
  it('the feed: no gaps, commit order, resumable from any cursor in pages of any size (against the reference)', () =>
    fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), fc.nat(), async (steps, limit, pick) => {
        const reference = createReferenceStorage()
        await run(reference, steps)
        const expected = (await readFeed(reference)).map(drafted)
        await withStore(options, async (store) => {
          await run(store, steps)
          const feed = await readFeed(store, undefined, limit)
          expect(feed.map(drafted)).toEqual(expected)
          const from = feed.length === 0 ? 0 : pick % feed.length
          const rest = await readFeed(store, feed[from]?.cursor, limit)
          expect(rest.map(drafted)).toEqual(expected.slice(feed.length === 0 ? 0 : from + 1))
        })
      }),
      // A quarter of the runs: each run is up to 12 commits read from every cursor, and on a
      // database each needs a fresh store (a schema), which dominates the time.
      { ...settings, numRuns: Math.max(10, Math.ceil(settings.numRuns / 4)) },
    ))
}
