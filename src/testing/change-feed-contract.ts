import type { ChangeDraft, RegistryRecord, StoragePort, StoredChange, UserId } from 'push-registry'
import { describe, expect, it } from 'vitest'
import type { ConformanceOptions } from './options.js'
import { closeInTest, withStore } from './options.js'
import { sampleRecords } from './sample-records.js'

/** A draft naming `users`, told apart by `label`. */
export const draft = (label: string, users: readonly string[] = [], at = 1_000): ChangeDraft => ({
  at,
  users: users as UserId[],
  change: { label, nested: { users, list: [1, 'two', null, true] } },
})

/** What a stored change was drafted as, without its cursor. */
export const drafted = (stored: StoredChange): ChangeDraft => ({ at: stored.at, users: stored.users, change: stored.change })

/** The whole feed after `after`, page by page (pages of `limit`); fails rather than loop forever. */
export const readFeed = async (store: StoragePort, after?: string, limit = 1000, maxPages = 10_000): Promise<StoredChange[]> => {
  const out: StoredChange[] = []
  let cursor = after
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await store.readChanges({ limit, ...(cursor === undefined ? {} : { after: cursor }) })
    expect(page.length, 'a page holds at most `limit` changes').toBeLessThanOrEqual(limit)
    out.push(...page)
    const last = page.at(-1)
    if (page.length < limit || last === undefined) return out
    expect(typeof last.cursor, 'a cursor is a string').toBe('string')
    cursor = last.cursor
  }
  throw new Error(`the feed did not end after ${maxPages} pages`)
}

const labels = (changes: readonly StoredChange[]): string[] => changes.map((c) => (c.change as { label: string }).label)

/**
 * Layer 1, the change feed: `commit(…, { changes, forgetChanges })`, `readChanges` and
 * `pruneChanges`, per the contract in `src/ports/storage.ts`.
 */
export const describeChangeFeedContract = (options: ConformanceOptions): void => {
  let record: RegistryRecord | undefined
  /** A record to make a commit conflict with (expecting a version it does not have). */
  const aRecord = async (): Promise<RegistryRecord> => (record ??= (await sampleRecords()).evening[0] as RegistryRecord)
  const test = (name: string, body: (store: StoragePort) => Promise<void>): void => {
    it(name, () => withStore(options, body))
  }

  describe('change feed', () => {
    test('of an empty store is empty', async (store) => {
      expect(await store.readChanges({ limit: 10 })).toEqual([])
    })
    test("a commit's changes come back in the order given, deep-equal, each with a cursor", async (store) => {
      const drafts = [draft('a', ['kim']), draft('b', [], 2_000), draft('c', ['kim', 'léa:2'])]
      expect(await store.commit([], { changes: drafts })).toEqual({ ok: true })
      const feed = await store.readChanges({ limit: 10 })
      expect(feed.map(drafted)).toEqual(drafts)
      expect(new Set(feed.map((c) => c.cursor)).size).toBe(3)
    })
    test("the changes of successive commits come in commit order, and resume after any cursor", async (store) => {
      const sample = await aRecord()
      for (const [i, n] of [2, 1, 3].entries()) {
        const drafts = Array.from({ length: n }, (_, j) => draft(`${i}.${j}`))
        const writes = i === 1 ? [{ record: sample, expectedVersion: 0 }] : []
        expect(await store.commit(writes, { changes: drafts })).toEqual({ ok: true })
      }
      const feed = await readFeed(store, undefined, 1)
      expect(labels(feed)).toEqual(['0.0', '0.1', '1.0', '2.0', '2.1', '2.2'])
      for (const [i, change] of feed.entries()) {
        expect(labels(await readFeed(store, change.cursor, 2)), `after cursor ${i}`).toEqual(labels(feed.slice(i + 1)))
      }
    })
    test('a commit that conflicts appends none of its changes', async (store) => {
      const sample = await aRecord()
      expect(await store.commit([{ record: sample, expectedVersion: 3 }], { changes: [draft('lost')] })).toMatchObject({ ok: false })
      expect(await store.readChanges({ limit: 10 })).toEqual([])
      expect(await store.commit([{ record: sample, expectedVersion: 0 }], { changes: [draft('kept')] })).toEqual({ ok: true })
      expect(await store.commit([{ record: sample, expectedVersion: 0 }], { changes: [draft('lost again')] })).toMatchObject({ ok: false })
      expect(labels(await readFeed(store))).toEqual(['kept'])
    })
    test("forgetChanges removes the stored changes naming those users, not this commit's own", async (store) => {
      await store.commit([], { changes: [draft('kim 1', ['kim']), draft('anon'), draft('both', ['léa:2', 'kim']), draft('léa', ['léa:2'])] })
      const before = await readFeed(store)
      await store.commit([], { changes: [draft('erased', ['kim'])], forgetChanges: ['kim' as UserId] })
      const after = await readFeed(store)
      expect(labels(after)).toEqual(['anon', 'léa', 'erased'])
      // A cursor whose change was forgotten still resumes after it.
      expect(labels(await readFeed(store, before[0]?.cursor))).toEqual(['anon', 'léa', 'erased'])
      expect(labels(await readFeed(store, before[2]?.cursor))).toEqual(['léa', 'erased'])
    })
    test('forgetChanges of a commit that conflicts forgets nothing', async (store) => {
      const sample = await aRecord()
      await store.commit([], { changes: [draft('kim', ['kim'])] })
      await store.commit([{ record: sample, expectedVersion: 1 }], { forgetChanges: ['kim' as UserId] })
      expect(labels(await readFeed(store))).toEqual(['kim'])
    })
    test('pruneChanges removes the changes committed before a time, answers how many, and cursors still resume', async (store) => {
      await store.commit([], { changes: [draft('old', [], 100), draft('older', [], 50)] })
      await store.commit([], { changes: [draft('new', [], 300), draft('edge', [], 200)] })
      const before = await readFeed(store)
      expect(await store.pruneChanges({ before: 200 })).toBe(2)
      expect(labels(await readFeed(store))).toEqual(['new', 'edge'])
      expect(labels(await readFeed(store, before[0]?.cursor))).toEqual(['new', 'edge'])
      expect(await store.pruneChanges({ before: 200 })).toBe(0)
      expect(labels(await readFeed(store, before[2]?.cursor))).toEqual(['edge'])
    })
    test('limit bounds every page, and a short page means caught up', async (store) => {
      await store.commit([], { changes: Array.from({ length: 5 }, (_, i) => draft(String(i))) })
      expect(await store.readChanges({ limit: 0 })).toEqual([])
      const page = await store.readChanges({ limit: 3 })
      expect(labels(page)).toEqual(['0', '1', '2'])
      expect(labels(await store.readChanges({ limit: 3, after: page[2]?.cursor as string }))).toEqual(['3', '4'])
    })
    test("concurrent commits: every change appears once, each commit's changes together and in order", async (store) => {
      const commits = Array.from({ length: 12 }, (_, i) => [draft(`${i}:0`), draft(`${i}:1`), draft(`${i}:2`)])
      const outcomes = await Promise.all(commits.map((changes) => store.commit([], { changes })))
      expect(outcomes.every((o) => o.ok)).toBe(true)
      const feed = labels(await readFeed(store, undefined, 5))
      expect(feed).toHaveLength(36)
      for (let i = 0; i < feed.length; i += 3) {
        const commit = (feed[i] as string).split(':')[0]
        expect(feed.slice(i, i + 3)).toEqual([`${commit}:0`, `${commit}:1`, `${commit}:2`])
      }
    })
    test('a reader tailing the feed while commits race never skips a change (commit order, not allocation order)', async (store) => {
      const writers = 4
      const perWriter = 10
      let done = false
      const write = async (w: number): Promise<void> => {
        for (let i = 0; i < perWriter; i++) await store.commit([], { changes: [draft(`${w}/${i}`)] })
      }
      const tailed: StoredChange[] = []
      const tail = async (): Promise<void> => {
        // Resumes after the last change it saw, as a host does; ends one read after the writers.
        for (let last = false; !last; ) {
          last = done
          const cursor = tailed.at(-1)?.cursor
          tailed.push(...(await store.readChanges({ limit: 7, ...(cursor === undefined ? {} : { after: cursor }) })))
        }
        tailed.push(...(await readFeed(store, tailed.at(-1)?.cursor)))
      }
      const reader = tail()
      await Promise.all(Array.from({ length: writers }, (_, w) => write(w)))
      done = true
      await reader
      const full = await readFeed(store)
      expect(full).toHaveLength(writers * perWriter)
      expect(labels(tailed), 'what a tail read equals the feed').toEqual(labels(full))
      for (let w = 0; w < writers; w++) {
        const mine = labels(full).filter((l) => l.startsWith(`${w}/`))
        expect(mine, `writer ${w}'s commits in the order it made them`).toEqual(Array.from({ length: perWriter }, (_, i) => `${w}/${i}`))
      }
    })
    it('shared and durable: a second handle reads the changes the first committed', async (ctx) => {
      await withStore(options, async (store) => {
        const { durable, sharedAcrossProcesses } = options.capabilities ?? store.capabilities
        const reopen = options.reopen
        if ((!durable && !sharedAcrossProcesses) || reopen === undefined) {
          ctx.skip('the adapter claims neither durable nor shared, or `reopen` is not given')
          return
        }
        await store.commit([], { changes: [draft('first', ['kim'])] })
        if (!sharedAcrossProcesses) await closeInTest(store)
        const again = await reopen(store)
        try {
          expect((await readFeed(again)).map(drafted)).toEqual([draft('first', ['kim'])])
          await again.commit([], { changes: [draft('second')] })
          const after = await readFeed(again)
          expect(labels(after)).toEqual(['first', 'second'])
          if (sharedAcrossProcesses) expect(labels(await readFeed(store, after[0]?.cursor))).toEqual(['second'])
        } finally {
          await again.close()
        }
      })
    })
  })
}
