/**
 * Issue 4, item 7 (faults): a process SIGKILLed in the middle of a large batch leaves every
 * input's effects all there or all absent, and re-ingesting the batch converges to the state
 * of an uninterrupted run (I9). Runs on the real server (`PUSH_REGISTRY_PG_URL`).
 *
 * How: a child process ingests 20,000 generated inputs on a fresh schema, announcing each
 * commit before it leaves and after the server answered; the parent SIGKILLs it as a commit
 * leaves, once a few have landed. The registry commits units of 1,000 inputs atomically, so the
 * database must hold exactly the records (versions included) that the pure model — a registry
 * on memory storage fed the same units — holds after some number k of units, with k between
 * the commits the child saw answered and the commits it started. Its change feed holds exactly
 * the changes of those k units.
 */
import { createRegistry, fixedClock } from 'push-registry'
import type { Registry, StoragePort } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { createPostgresStorage, pgDriver } from 'push-registry/postgres'
import type { Pool } from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startWorker } from './test-support/child-process.js'
import { describeOnServer, dropSchema, freshSchema, openPool } from './test-support/server.js'
import { answers, diffRecords, storedRecords } from './test-support/state.js'
import { inBatches, killWorkload, workloadApps, workloadNow } from './test-support/workload.js'

const inputCount = 20_000
/** The registry's atomic unit (src/registry/ingest.ts). */
const unitSize = 1_000
/** The child ingests in batches of several units, as a host importing a backlog would. */
const childBatch = 10_000
/** Units that must have landed before the parent aims at the next commit. */
const unitsBeforeKill = 4

const modelRegistry = (storage: StoragePort): Registry => createRegistry({ apps: workloadApps, storage, clock: fixedClock(workloadNow) })

const appIds = workloadApps.map((app) => app.appId)

/** A store's whole change feed, without the cursors (each store numbers its own). */
const feedOf = async (store: StoragePort): Promise<unknown[]> => {
  const out: unknown[] = []
  for (let after: string | undefined; ; ) {
    const page = await store.readChanges({ limit: 5000, ...(after === undefined ? {} : { after }) })
    out.push(...page.map(({ at, users, change }) => ({ at, users, change })))
    if (page.length < 5000) return out
    after = page.at(-1)?.cursor
  }
}

describeOnServer('PostgreSQL adapter: a process killed mid-batch (SIGKILL)', (url) => {
  const schema = freshSchema('pr_kill')
  const inputs = killWorkload(inputCount)
  const userIds = [...new Set(inputs.flatMap((input) => (typeof input.userId === 'string' ? [input.userId] : [])))].sort()
  let pool: Pool
  let store: StoragePort

  beforeAll(async () => {
    pool = openPool(url)
    store = await createPostgresStorage({ driver: pgDriver(pool), schema })
  })
  afterAll(async () => {
    await store?.close()
    await pool?.end()
    await dropSchema(url, schema)
  })

  it('I9: every unit is in the database whole or not at all, and re-ingesting converges to the uninterrupted state', async () => {
    const worker = startWorker({ workload: 'kill', url, schema, count: inputCount, batch: childBatch })
    const isDone = (line: string): boolean => line.startsWith('commit-done ')
    await worker.waitFor((line) => isDone(line) && Number(line.split(' ')[1]) >= unitsBeforeKill)
    // Aim at a commit in flight: the line is printed just before the commit is sent.
    await worker.waitFor((line) => line.startsWith('commit-start ') && Number(line.split(' ')[1]) > unitsBeforeKill)
    worker.child.kill('SIGKILL')
    const exit = await worker.exited
    expect(exit.signal, `the child should die of the SIGKILL, not finish first; stderr:\n${exit.stderr}`).toBe('SIGKILL')
    const started = exit.lines.filter((line) => line.startsWith('commit-start ')).length
    const answered = exit.lines.filter(isDone).length
    expect(exit.lines.filter((line) => line.startsWith('commit-done ') && !line.endsWith(' ok')), 'a lone writer never conflicts').toEqual([])

    // (a) Atomicity: the database equals the model after exactly k units, for one k.
    const actual = await storedRecords(store, true)
    const modelStore = createMemoryStorage()
    const prefixModel = modelRegistry(modelStore)
    const units = inBatches(inputs, unitSize)
    let matched: number | undefined
    let closest = { k: 0, diff: diffRecords(actual, await storedRecords(modelStore, true)) }
    if (closest.diff.differingCount === 0) matched = 0
    for (let k = 1; k <= units.length && matched === undefined; k++) {
      const report = await prefixModel.ingest(units[k - 1])
      expect(report.accepted).toBe(unitSize)
      const diff = diffRecords(actual, await storedRecords(modelStore, true))
      if (diff.differingCount === 0) matched = k
      else if (diff.differingCount < closest.diff.differingCount) closest = { k, diff }
    }
    expect(matched, `no prefix of units matches the database; closest: ${JSON.stringify(closest, null, 1).slice(0, 4000)}`).toBeDefined()
    expect(matched).toBeGreaterThanOrEqual(answered)
    expect(matched).toBeLessThanOrEqual(started)
    expect(matched, 'the kill should land before the last unit').toBeLessThan(units.length)
    // The change feed is written by the same commits: it holds exactly the changes of those k
    // units, in order (at least once across a crash, and never a change whose commit is not in).
    expect(await feedOf(store)).toEqual(await feedOf(modelStore))
    console.info(`kill test: SIGKILL after ${answered} commits answered, ${started} started; the database holds exactly units 1…${matched} of ${units.length}`)

    // (b) Re-ingesting everything with a new registry converges to the uninterrupted run.
    const again = modelRegistry(store)
    for (const batch of inBatches(inputs, childBatch)) expect((await again.ingest(batch)).accepted).toBe(batch.length)
    const uninterrupted = createMemoryStorage()
    const reference = modelRegistry(uninterrupted)
    for (const batch of inBatches(inputs, childBatch)) expect((await reference.ingest(batch)).accepted).toBe(batch.length)
    // Versions count commits, which differ between the two histories; the records must not.
    const converged = diffRecords(await storedRecords(store, false), await storedRecords(uninterrupted, false))
    expect(converged).toEqual({ onlyActual: [], onlyExpected: [], differing: [], differingCount: 0 })
    expect(await answers(again, appIds, userIds)).toEqual(await answers(reference, appIds, userIds))
    // 20,000 inputs ingested three times: near two minutes on a loaded two-core machine.
  }, 300_000)
})
