/**
 * Issue 4, item 7 (races): four processes, each with its own registry on the same schema,
 * ingest conflicting `user_changed` and `session_started` inputs on the same ten devices at
 * the same time, some inputs sent by two processes. Conditional commits (versions) must make
 * the result the state one registry reaches from all the inputs (I9): nothing lost, nothing
 * doubled, whatever the interleaving. Runs on the real server (`PUSH_REGISTRY_PG_URL`).
 */
import { createRegistry, fixedClock } from 'push-registry'
import type { Registry, StoragePort } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { createPostgresStorage, pgDriver } from 'push-registry/postgres'
import type { Pool } from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Worker } from './test-support/child-process.js'
import { startWorker } from './test-support/child-process.js'
import { describeOnServer, dropSchema, freshSchema, openPool } from './test-support/server.js'
import { answers, diffRecords, storedRecords } from './test-support/state.js'
import { raceShare, raceUserIds, raceWorkload, workloadApps, workloadNow } from './test-support/workload.js'

const inputCount = 2_000
const workers = 4
/** Inputs per `ingest` call: small, so that the four processes interleave many commits. */
const slice = 25

const registryOn = (storage: StoragePort): Registry => createRegistry({ apps: workloadApps, storage, clock: fixedClock(workloadNow) })

describeOnServer('PostgreSQL adapter: four processes racing on the same devices', (url) => {
  const schema = freshSchema('pr_race')
  const inputs = raceWorkload(inputCount)
  let pool: Pool
  let store: StoragePort

  beforeAll(async () => {
    pool = openPool(url)
    // Migrated once here; the workers open the schema without migrating.
    store = await createPostgresStorage({ driver: pgDriver(pool), schema })
  })
  afterAll(async () => {
    await store?.close()
    await pool?.end()
    await dropSchema(url, schema)
  })

  it('I9, R7, R3: the racing processes end in the state one registry reaches from all the inputs', async () => {
    const shares = Array.from({ length: workers }, (_, worker) => raceShare(inputs, worker, workers, slice))
    // The shares cover every input, some twice.
    expect(new Set(shares.flat().flat()).size).toBe(inputCount)
    expect(shares.flat().flat().length).toBeGreaterThan(inputCount)

    const running: Worker[] = shares.map((_, worker) => startWorker({ workload: 'race', url, schema, count: inputCount, worker, workers, slice }))
    await Promise.all(running.map((w) => w.waitFor((line) => line === 'ready')))
    for (const w of running) w.send('go')
    const exits = await Promise.all(running.map((w) => w.exited))
    expect(exits.map((e) => ({ code: e.code, signal: e.signal, stderr: e.stderr }))).toEqual(exits.map(() => ({ code: 0, signal: null, stderr: '' })))
    expect(exits.map((e) => e.lines.at(-1)?.split(' ')[1])).toEqual(shares.map((share) => String(share.flat().length)))
    const conflicts = exits.reduce((sum, e) => sum + Number(/conflicts=(\d+)/.exec(e.lines.at(-1) ?? '')?.[1] ?? 0), 0)
    console.info(`race test: ${exits.map((e) => e.lines.at(-1)).join('; ')}`)
    // Without a single refused commit the processes did not overlap, and nothing was tested.
    expect(conflicts, 'the processes should have raced (some commits refused on a version conflict)').toBeGreaterThan(0)

    const model = createMemoryStorage()
    const reference = registryOn(model)
    expect((await reference.ingest(inputs)).accepted).toBe(inputCount)
    // Versions count commits, which depend on the interleaving; the records must not.
    expect(diffRecords(await storedRecords(store, false), await storedRecords(model, false))).toEqual({ onlyActual: [], onlyExpected: [], differing: [], differingCount: 0 })
    const appIds = workloadApps.map((app) => app.appId)
    expect(await answers(registryOn(store), appIds, raceUserIds)).toEqual(await answers(reference, appIds, raceUserIds))
  })
})
