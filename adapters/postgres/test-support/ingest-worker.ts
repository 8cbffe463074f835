/**
 * A child process of the fault tests: one registry on the PostgreSQL adapter, ingesting a
 * workload and saying on stdout what it does, one line per event:
 * - `ready` once its store is open (race workers then wait for `go` on stdin, so that all of
 *   them start ingesting together);
 * - `commit-start <n>` just before its n-th commit goes to the server, `commit-done <n>` once
 *   the server answered (kill workload), so the parent can aim its SIGKILL at a commit in flight;
 * - `done <accepted> commits=<n> conflicts=<n>` at the end (conflicts: commits refused because
 *   another process had written one of the records since they were read).
 * Any rejected input, or any error (a `ContentionError` included), exits non-zero.
 *
 * Run from the repository root as `node --import tsx adapters/postgres/test-support/ingest-worker.ts`
 * (tsx resolves `push-registry` through tsconfig's paths).
 */
import { createInterface } from 'node:readline'
import type { StoragePort } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createPostgresStorage, pgDriver } from 'push-registry/postgres'
import { Pool } from 'pg'
import type { WorkerConfig } from './worker-config.js'
import { workerConfigVariable } from './worker-config.js'
import { inBatches, killWorkload, raceShare, raceWorkload, workloadApps, workloadNow } from './workload.js'

/** Lines go out with a synchronous write (pipes are synchronous on Linux): a line printed is in the pipe before the next step starts. */
const say = (line: string): void => {
  process.stdout.write(`${line}\n`)
}

/** Commits sent and commits refused for a version conflict (another process got there first). */
const tally = { commits: 0, conflicts: 0 }

/** The store, counting commits and, when `announce`, printing each before it leaves and once the server answered. */
const instrumented = (store: StoragePort, announce: boolean): StoragePort => ({
  ...store,
  commit: async (writes, options) => {
    const n = ++tally.commits
    if (announce) say(`commit-start ${n}`)
    const outcome = await store.commit(writes, options)
    if (!outcome.ok) tally.conflicts++
    if (announce) say(`commit-done ${n} ${outcome.ok ? 'ok' : 'conflict'}`)
    return outcome
  },
})

const waitForGo = (): Promise<void> =>
  new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin })
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        // Resolved before closing: closing emits `close`, whose rejection then comes too late to count.
        resolve()
        lines.close()
        // An open stdin keeps the process alive after its work is done.
        process.stdin.destroy()
      }
    })
    lines.on('close', () => reject(new Error('stdin closed before `go`')))
  })

const main = async (): Promise<void> => {
  const raw = process.env[workerConfigVariable]
  if (raw === undefined) throw new Error(`${workerConfigVariable} is not set`)
  const config = JSON.parse(raw) as WorkerConfig
  const pool = new Pool({ connectionString: config.url, max: 2 })
  try {
    const store = await createPostgresStorage({ driver: pgDriver(pool), schema: config.schema, migrate: config.workload === 'kill' })
    const registry = createRegistry({
      apps: workloadApps,
      storage: instrumented(store, config.workload === 'kill'),
      clock: fixedClock(workloadNow),
      // Four processes on ten devices contend on purpose; the budget is generous so that
      // only a real livelock, not bad luck, surfaces as a ContentionError.
      maxCommitAttempts: 64,
    })
    const batches =
      config.workload === 'kill'
        ? inBatches(killWorkload(config.count), config.batch)
        : raceShare(raceWorkload(config.count), config.worker, config.workers, config.slice)
    say('ready')
    if (config.workload === 'race') await waitForGo()
    let accepted = 0
    for (const batch of batches) {
      const report = await registry.ingest(batch)
      if (report.accepted !== batch.length) throw new Error(`inputs rejected: ${JSON.stringify(report.rejected.slice(0, 3))} ${JSON.stringify(report.refused)}`)
      accepted += report.accepted
    }
    await registry.close()
    say(`done ${accepted} commits=${tally.commits} conflicts=${tally.conflicts}`)
  } finally {
    await pool.end()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest-worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
