/**
 * PostgreSQL `targets` over a large store (issue 13): `registry.targets({ appId: 'ios', kind:
 * 'alert' })` streamed to its end, answered in SQL from the typed tables of migration 008, next
 * to its baseline in the same database: one plain `SELECT token` over a minimal typed table of
 * the same registrations with a partial index. Also the same stream through the scan fallback
 * (`scanIndexQueries`, what the adapter answered with before 007) on the same store, and the heap
 * growth while streaming. Goals: ≤ 1.5× the baseline, ≤ 64 MB of heap growth.
 *
 * Run alone with `tsx --expose-gc bench/postgres-targets.ts` (PUSH_REGISTRY_PG_URL set;
 * `BENCH_PG_TARGETS` registrations, default 1,000,000), or as part of the `postgres` suite.
 */
import { randomBytes } from 'node:crypto'
import { pathToFileURL } from 'node:url'
import { Pool } from 'pg'
import type { StoragePort } from 'push-registry'
import { createRegistry, fixedClock, scanIndexQueries } from 'push-registry'
import { createPostgresStorage, pgDriver } from 'push-registry/postgres'
import { benchApps, flatRegistration } from './baselines.js'
import { heapWhileStreaming, median, timeMs } from './measure.js'
import { batches, populationInputs, queryNow, registrationSpec } from './population.js'
import { num, printTable, ratio, verdict } from './table.js'

/** Sizes of the targets bench. */
export interface TargetsBenchSettings {
  readonly url: string
  readonly registrations: number
  readonly reps: number
}

const count = async (items: AsyncIterable<unknown>): Promise<number> => {
  let n = 0
  for await (const _ of items) n++
  return n
}

/** The store as the adapter answered before migration 007: index queries by scanning every registration and user. */
const scanning = (store: StoragePort): StoragePort => ({ ...store, ...scanIndexQueries(store) })

const spread = (ms: readonly number[]): string => `${num(Math.min(...ms) / 1000, 3)}–${num(Math.max(...ms) / 1000, 3)}`

/** Builds the store, measures, prints; drops its schema afterwards. */
export const benchPostgresTargets = async (settings: TargetsBenchSettings): Promise<void> => {
  const schema = `pr_bench_${randomBytes(4).toString('hex')}`
  const s = `"${schema}"`
  const pool = new Pool({ connectionString: settings.url, max: 2 })
  const store = await createPostgresStorage({ driver: pgDriver(pool), schema })
  const registry = createRegistry({ apps: benchApps, storage: store, clock: fixedClock(queryNow) })
  const fallback = createRegistry({ apps: benchApps, storage: scanning(store), clock: fixedClock(queryNow) })
  const n = settings.registrations
  try {
    const buildStart = performance.now()
    for (let from = 0; from < n; from += 50_000) {
      for (const batch of batches(populationInputs(from, Math.min(n, from + 50_000), n), 10_000)) {
        const report = await registry.ingest(batch)
        if (report.accepted !== batch.length) throw new Error(`bench input rejected: ${JSON.stringify(report.rejected[0] ?? report.refused)}`)
      }
    }
    const buildMs = performance.now() - buildStart

    // The baseline: the same registrations in a minimal typed table, flagged as the population
    // says (an iOS alert target: foreground or provisional, its user not unsubscribed), with a
    // partial index on the flag. One plain SELECT reads the tokens.
    await pool.query(`CREATE TABLE ${s}.bench_min_targets (app_id text NOT NULL, device_id text NOT NULL, token text NOT NULL, alert boolean NOT NULL, PRIMARY KEY (app_id, device_id))`)
    for (let from = 0; from < n; from += 50_000) {
      const rows = Array.from({ length: Math.min(n, from + 50_000) - from }, (_, i) => flatRegistration(registrationSpec(from + i, n)))
      await pool.query(`INSERT INTO ${s}.bench_min_targets SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[])`, [
        rows.map((r) => r.appId),
        rows.map((r) => r.deviceId),
        rows.map((r) => r.token),
        rows.map((r) => r.capability !== 'background' && !r.unsubscribed),
      ])
    }
    await pool.query(`CREATE INDEX bench_min_targets_alert ON ${s}.bench_min_targets (app_id) WHERE alert`)
    const { rows: tables } = await pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace WHERE ns.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    )
    for (const table of tables) await pool.query(`VACUUM ANALYZE ${s}."${table.name}"`)
    const plain = async (): Promise<number> => (await pool.query(`SELECT token FROM ${s}.bench_min_targets WHERE app_id = $1 AND alert`, ['ios'])).rows.length

    // Interleaved repetitions: baseline, then the registry, so both see the same machine load.
    const baselineMs: number[] = []
    const indexedMs: number[] = []
    let baselineCount = 0
    let indexedCount = 0
    await plain()
    await count(registry.targets({ appId: 'ios', kind: 'alert' }))
    for (let rep = 0; rep < settings.reps; rep++) {
      const b = await timeMs(plain)
      baselineMs.push(b.ms)
      baselineCount = b.result
      const r = await timeMs(() => count(registry.targets({ appId: 'ios', kind: 'alert' })))
      indexedMs.push(r.ms)
      indexedCount = r.result
    }
    const streamed = await heapWhileStreaming(registry.targets({ appId: 'ios', kind: 'alert' }))
    // The fallback scans every record: once is enough to show its cost.
    const before = await timeMs(() => count(fallback.targets({ appId: 'ios', kind: 'alert' })))
    const { rows: sizes } = await pool.query<{ name: string; bytes: string }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
       WHERE ns.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname`,
      [schema],
    )

    const base = median(baselineMs)
    const mine = median(indexedMs)
    const agree = (k: number): string => (k === baselineCount ? `${num(k)} = baseline` : `${num(k)} ≠ ${num(baselineCount)} baseline`)
    printTable(
      `PostgreSQL targets ios alert over ${num(n)} registrations (built in ${num(buildMs / 1000, 1)} s through registry.ingest), streamed to the end; median of ${settings.reps}, interleaved`,
      ['measure', 's', 's (min–max)', 'vs baseline', 'answers', 'goal', ''],
      [
        ['baseline: one SELECT token over a minimal typed table with a partial index', num(base / 1000, 3), spread(baselineMs), ratio(1), agree(baselineCount), '', ''],
        ['registry.targets, SQL over the typed tables (008)', num(mine / 1000, 3), spread(indexedMs), ratio(mine / base), agree(indexedCount), '≤ 1.5×', verdict(mine / base <= 1.5)],
        ['registry.targets, scan fallback (before 007), 1 run', num(before.ms / 1000, 3), '', ratio(before.ms / base), agree(before.result), '', ''],
      ],
    )
    const mb = streamed.growth / 2 ** 20
    printTable(
      `Heap while streaming PostgreSQL targets ios alert to the end (${num(streamed.count)} targets, sampled every 1,024)`,
      ['measure', 'value', 'goal', ''],
      [['peak heap above the live heap before the query', `${num(mb, 1)} MB`, '≤ 64 MB', verdict(mb <= 64)]],
    )
    printTable(
      `On disk, tables with their indexes and TOAST (${num(n)} registrations)`,
      ['table', 'MB', 'bytes per registration'],
      sizes.map((row) => [row.name, num(Number(row.bytes) / 2 ** 20, 1), num(Number(row.bytes) / n)]),
    )
  } finally {
    await registry.close()
    await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`)
    await pool.end()
  }
}

/** Reads the settings from the environment (see bench/README.md). */
export const targetsBenchSettings = (url: string): TargetsBenchSettings => {
  const raw = process.env['BENCH_PG_TARGETS']
  const registrations = raw === undefined ? 1_000_000 : Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(registrations) || registrations < 1) throw new Error(`BENCH_PG_TARGETS must be a positive integer (got ${raw})`)
  const reps = Math.min(Number(process.env['BENCH_REPS'] ?? 3), 5)
  return { url, registrations, reps: Number.isInteger(reps) && reps > 0 ? reps : 3 }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env['PUSH_REGISTRY_PG_URL']
  if (url === undefined || url === '') throw new Error('set PUSH_REGISTRY_PG_URL (see .ci/start-postgres)')
  await benchPostgresTargets(targetsBenchSettings(url))
}
