/**
 * PostgreSQL figures of `npm run bench` (issue 4, item 8), run when `PUSH_REGISTRY_PG_URL` is
 * set: the adapter's ingest rates next to the server's own ceiling, measured on the same server
 * in the same run. The ceiling is `pgbench` running one single-row
 * `INSERT … ON CONFLICT (k) DO UPDATE` per transaction, with random keys. Goals: one input per
 * `registry.ingest` call ≥ 0.7× the ceiling; batched ingest ≥ 3× the ceiling. The single-input
 * rate is also measured through `pgDriver(pool, { prepare: true })` (named prepared statements,
 * off by default), and for repeat sessions (a later session of devices the registry ingested
 * before): with the record cache off, and warm (issue 13: one round trip per input, ≥ 0.5× the
 * ceiling). PGlite's batched rate (in memory, and on a directory in /tmp) is shown for context.
 *
 * Run alone with `tsx --expose-gc bench/postgres.ts` (same variables), or as part of
 * `npm run bench`.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import { Pool } from 'pg'
import type { Registry, StoragePort } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import type { SqlDriver } from 'push-registry/postgres'
import { createPostgresStorage, pgDriver, pgliteDriver } from 'push-registry/postgres'
import { benchApps } from './baselines.js'
import { benchPostgresTargets, targetsBenchSettings } from './postgres-targets.js'
import { median } from './measure.js'
import { batches, iosSpec, queryNow, sessionStarted } from './population.js'
import { num, printTable, ratio, verdict } from './table.js'

const run = promisify(execFile)

const envCount = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${raw})`)
  return value
}

/** Sizes of the PostgreSQL bench, from the environment (see bench/README.md). */
export interface PostgresBenchSettings {
  readonly url: string
  /** Inputs ingested one `registry.ingest` call at a time. */
  readonly single: number
  /** Inputs ingested in batches of `batchSize`. */
  readonly batched: number
  readonly batchSize: number
  /** Concurrent callers (and pool connections) of the concurrent single-input run, and pgbench clients. */
  readonly clients: number
  /** Seconds each pgbench run lasts. */
  readonly seconds: number
  readonly reps: number
}

/** Reads the settings from `PUSH_REGISTRY_PG_URL` and the `BENCH_PG_*` variables. */
export const postgresBenchSettings = (url: string): PostgresBenchSettings => ({
  url,
  single: envCount('BENCH_PG_SINGLE', 3_000),
  batched: envCount('BENCH_PG_BATCHED', 50_000),
  batchSize: 10_000,
  clients: envCount('BENCH_PG_CLIENTS', 4),
  seconds: envCount('BENCH_PG_SECONDS', 10),
  reps: Math.min(envCount('BENCH_REPS', 3), 3),
})

// ---------------------------------------------------------------- instruments

/** What the adapter sent and where the time went, summed over a measured run. */
interface Meter {
  statements: number
  transactions: number
  readMs: number
  commitMs: number
  reads: number
  commits: number
}

const newMeter = (): Meter => ({ statements: 0, transactions: 0, readMs: 0, commitMs: 0, reads: 0, commits: 0 })

/** A driver that counts statements and transactions (each transaction adds BEGIN and COMMIT round trips). */
const countingDriver = (inner: SqlDriver, meter: Meter): SqlDriver => ({
  query: <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => {
    meter.statements++
    return inner.query<R>(sql, params)
  },
  transaction: <A>(body: (tx: Pick<SqlDriver, 'query'>) => Promise<A>) => {
    meter.transactions++
    return inner.transaction((tx) =>
      body({
        query: <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => {
          meter.statements++
          return tx.query<R>(sql, params)
        },
      }),
    )
  },
  close: () => inner.close(),
})

/** A store that times its reads and commits. */
const timedStore = (inner: StoragePort, meter: Meter): StoragePort => ({
  ...inner,
  read: async (keys) => {
    const start = performance.now()
    try {
      return await inner.read(keys)
    } finally {
      meter.readMs += performance.now() - start
      meter.reads++
    }
  },
  commit: async (writes, options) => {
    const start = performance.now()
    try {
      return await inner.commit(writes, options)
    } finally {
      meter.commitMs += performance.now() - start
      meter.commits++
    }
  },
})

const newSchema = (): string => `pr_bench_${randomBytes(4).toString('hex')}`

/** `count` session_started inputs on distinct iOS devices, starting at population index `from`. */
const sessions = (from: number, count: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => sessionStarted(iosSpec(from + i, from + count)))

const expectAccepted = async (registry: Registry, payload: unknown, expected: number): Promise<void> => {
  const report = await registry.ingest(payload)
  if (report.accepted !== expected) throw new Error(`bench input rejected: ${JSON.stringify(report.rejected[0] ?? report.refused)}`)
}

// ---------------------------------------------------------------- pgbench, the ceiling

const pgbenchPath = (): string => {
  const dirs = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : []
  for (const dir of dirs) {
    const candidate = `/usr/lib/postgresql/${dir}/bin/pgbench`
    if (existsSync(candidate)) return candidate
  }
  return 'pgbench'
}

/** Runs pgbench's single-row upsert for `seconds` with `clients` clients; its TPS. */
const pgbenchTps = async (settings: PostgresBenchSettings, clients: number): Promise<number> => {
  const schema = newSchema()
  const pool = new Pool({ connectionString: settings.url, max: 1 })
  const dir = mkdtempSync(join(tmpdir(), 'pr-pgbench-'))
  try {
    await pool.query(`CREATE SCHEMA "${schema}"`)
    await pool.query(`CREATE TABLE "${schema}".bench_kv (k bigint PRIMARY KEY, v bigint NOT NULL)`)
    const script = join(dir, 'upsert.sql')
    writeFileSync(
      script,
      ['\\set k random(1, 10000000)', '\\set v random(1, 1000000000)', 'INSERT INTO bench_kv (k, v) VALUES (:k, :v) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;', ''].join('\n'),
    )
    const { stdout } = await run(pgbenchPath(), ['-n', '-f', script, '-T', String(settings.seconds), '-c', String(clients), '-j', String(clients), settings.url], {
      env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` },
    })
    const tps = /tps = ([\d.]+)/.exec(stdout)
    if (tps?.[1] === undefined) throw new Error(`no tps in pgbench's output:\n${stdout}`)
    return Number(tps[1])
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
    await pool.end()
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------- the adapter

/** How a single-input run drives the registry. */
interface SingleRunOptions {
  /** Named prepared statements (`pgDriver(pool, { prepare: true })`). */
  readonly prepare?: boolean
  /** `new`: each input a device the store has never seen; `repeat`: a later session of a device this registry ingested before (untimed). */
  readonly inputs?: 'new' | 'repeat'
  /** The registry's `recordCacheSize`; default the registry's. */
  readonly cacheSize?: number
}

/** A registry on a fresh schema of the server, metered; `done` drops the schema. */
const onServer = async (settings: PostgresBenchSettings, connections: number, meter: Meter, options: SingleRunOptions = {}) => {
  const schema = newSchema()
  const pool = new Pool({ connectionString: settings.url, max: connections })
  const store = await createPostgresStorage({ driver: countingDriver(pgDriver(pool, { prepare: options.prepare === true }), meter), schema })
  const registry = createRegistry({
    apps: benchApps,
    storage: timedStore(store, meter),
    clock: fixedClock(queryNow),
    ...(options.cacheSize === undefined ? {} : { recordCacheSize: options.cacheSize }),
  })
  return {
    registry,
    done: async () => {
      await registry.close()
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    },
  }
}

/** One measured run: inputs/s, and the meter of the timed part only. */
interface Measured {
  readonly perSecond: number
  readonly ms: number
  readonly meter: Meter
  readonly inputs: number
  /** Concurrent callers of `ingest` during the run. */
  readonly callers: number
}

/** The same sessions an hour later: what a device sends the next time its app starts. */
const later = (inputs: readonly Record<string, unknown>[]): Record<string, unknown>[] =>
  inputs.map((input) => ({ ...input, at: new Date(Date.parse(input['at'] as string) + 3_600_000).toISOString() }))

/**
 * `callers` concurrent loops, each ingesting its own distinct devices one input per call: new
 * devices, or (`repeat`) a later session of devices the registry ingested untimed before, in
 * units of 64 inputs.
 */
const singleInputRun = async (settings: PostgresBenchSettings, callers: number, options: SingleRunOptions = {}): Promise<Measured> => {
  const setupMeter = newMeter()
  const { registry, done } = await onServer(settings, callers, setupMeter, options)
  try {
    // Warm-up (connections, plans, JIT of the registry's code), not timed.
    for (const input of sessions(10_000_000, 100)) await expectAccepted(registry, input, 1)
    const perCaller = Math.ceil(settings.single / callers)
    const firsts = Array.from({ length: callers }, (_, c) => sessions(c * perCaller, perCaller))
    // The first sessions go in units of 64 inputs, the largest the record cache takes in (a
    // bigger batch leaves it as it is: src/registry/record-cache.ts, cachedUnitLimit).
    if (options.inputs === 'repeat') {
      for (const share of firsts) for (let i = 0; i < share.length; i += 64) await expectAccepted(registry, share.slice(i, i + 64), Math.min(64, share.length - i))
    }
    const shares = options.inputs === 'repeat' ? firsts.map(later) : firsts
    const before = { ...setupMeter }
    const start = performance.now()
    await Promise.all(
      shares.map(async (share) => {
        for (const input of share) await expectAccepted(registry, input, 1)
      }),
    )
    const ms = performance.now() - start
    const inputs = perCaller * callers
    return { perSecond: (inputs / ms) * 1000, ms, inputs, callers, meter: diffMeter(setupMeter, before) }
  } finally {
    await done()
  }
}

/** Ingests `settings.batched` inputs in batches of `settings.batchSize` on `registry`. */
const batchedInto = async (settings: PostgresBenchSettings, registry: Registry, meter: Meter): Promise<Measured> => {
  await expectAccepted(registry, sessions(10_000_000, 1_000), 1_000)
  const wire = batches(sessions(0, settings.batched), settings.batchSize)
  const before = { ...meter }
  const start = performance.now()
  for (const batch of wire) await expectAccepted(registry, batch, batch.length)
  const ms = performance.now() - start
  return { perSecond: (settings.batched / ms) * 1000, ms, inputs: settings.batched, callers: 1, meter: diffMeter(meter, before) }
}

const batchedOnServer = async (settings: PostgresBenchSettings): Promise<Measured> => {
  const meter = newMeter()
  const { registry, done } = await onServer(settings, 2, meter)
  try {
    return await batchedInto(settings, registry, meter)
  } finally {
    await done()
  }
}

const batchedOnPglite = async (settings: PostgresBenchSettings, onDisk: boolean): Promise<Measured> => {
  const dir = onDisk ? mkdtempSync(join(tmpdir(), 'pr-bench-pglite-')) : undefined
  const db = dir === undefined ? new PGlite() : new PGlite(dir)
  const meter = newMeter()
  try {
    const store = await createPostgresStorage({ driver: countingDriver(pgliteDriver(db), meter), sharedAcrossProcesses: false })
    const registry = createRegistry({ apps: benchApps, storage: timedStore(store, meter), clock: fixedClock(queryNow) })
    const measured = await batchedInto(settings, registry, meter)
    await registry.close()
    return measured
  } finally {
    await db.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }
}

const diffMeter = (after: Meter, before: Meter): Meter => ({
  statements: after.statements - before.statements,
  transactions: after.transactions - before.transactions,
  readMs: after.readMs - before.readMs,
  commitMs: after.commitMs - before.commitMs,
  reads: after.reads - before.reads,
  commits: after.commits - before.commits,
})

/** The repetition with the median rate. */
const medianRun = async (reps: number, once: () => Promise<Measured>): Promise<{ best: Measured; all: Measured[] }> => {
  const all: Measured[] = []
  for (let rep = 0; rep < reps; rep++) all.push(await once())
  const mid = median(all.map((m) => m.perSecond))
  const best = all.reduce((a, b) => (Math.abs(b.perSecond - mid) < Math.abs(a.perSecond - mid) ? b : a))
  return { best, all }
}

const serverSettings = async (url: string): Promise<string> => {
  const pool = new Pool({ connectionString: url, max: 1 })
  try {
    const { rows } = await pool.query<{ name: string; setting: string }>(
      "SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'shared_buffers') ORDER BY name",
    )
    return rows.map((row) => `${row.name}=${row.setting}`).join(', ')
  } finally {
    await pool.end()
  }
}

const spread = (runs: readonly Measured[]): string =>
  `${num(Math.min(...runs.map((r) => r.perSecond)))}–${num(Math.max(...runs.map((r) => r.perSecond)))}`

// ---------------------------------------------------------------- report

/** Runs the PostgreSQL bench and prints its tables. */
export const benchPostgres = async (settings: PostgresBenchSettings): Promise<void> => {
  const url = new URL(settings.url)
  console.log(
    `\nPostgreSQL bench on ${url.host}${url.pathname} (${await serverSettings(settings.url)}); BENCH_PG_SINGLE=${settings.single}, BENCH_PG_BATCHED=${settings.batched}, BENCH_PG_CLIENTS=${settings.clients}, BENCH_PG_SECONDS=${settings.seconds}, reps=${settings.reps}`,
  )
  const ceiling1 = await pgbenchTps(settings, 1)
  const ceilingN = await pgbenchTps(settings, settings.clients)
  const single = await medianRun(settings.reps, () => singleInputRun(settings, 1))
  const singlePrepared = await medianRun(settings.reps, () => singleInputRun(settings, 1, { prepare: true }))
  // A warm cache holds every device of the run: about four records each (registration, token,
  // user, links root), with room to spare, so that no repeat finds its device evicted.
  const warm = 8 * settings.single + 1_000
  const repeatCold = await medianRun(settings.reps, () => singleInputRun(settings, 1, { inputs: 'repeat', cacheSize: 0 }))
  const repeat = await medianRun(settings.reps, () => singleInputRun(settings, 1, { inputs: 'repeat', cacheSize: warm }))
  const repeatPrepared = await medianRun(settings.reps, () => singleInputRun(settings, 1, { inputs: 'repeat', prepare: true, cacheSize: warm }))
  const concurrent = await medianRun(settings.reps, () => singleInputRun(settings, settings.clients))
  const concurrentRepeat = await medianRun(settings.reps, () => singleInputRun(settings, settings.clients, { inputs: 'repeat', cacheSize: warm }))
  const batched = await medianRun(settings.reps, () => batchedOnServer(settings))
  const pgliteMemory = await medianRun(settings.reps, () => batchedOnPglite(settings, false))
  const pgliteDisk = await medianRun(settings.reps, () => batchedOnPglite(settings, true))

  const n = settings.clients
  printTable(
    `PostgreSQL ingest vs the server's ceiling (pgbench: one single-row INSERT … ON CONFLICT DO UPDATE per transaction, ${settings.seconds} s); session_started on distinct iOS devices; median of ${settings.reps}`,
    ['measure', 'inputs/s', 'range', 'vs pgbench', 'goal', ''],
    [
      ['pgbench, 1 client (the ceiling)', num(ceiling1), '', ratio(1), '', ''],
      [`pgbench, ${n} clients`, num(ceilingN), '', ratio(1), '', ''],
      [`registry.ingest(one input) × ${num(settings.single)}, 1 connection`, num(single.best.perSecond), spread(single.all), ratio(single.best.perSecond / ceiling1), '≥ 0.70×', verdict(single.best.perSecond / ceiling1 >= 0.7)],
      [`same, pgDriver(pool, { prepare: true })`, num(singlePrepared.best.perSecond), spread(singlePrepared.all), ratio(singlePrepared.best.perSecond / ceiling1), '≥ 0.70×', verdict(singlePrepared.best.perSecond / ceiling1 >= 0.7)],
      [`registry.ingest(repeat session), record cache off (recordCacheSize: 0)`, num(repeatCold.best.perSecond), spread(repeatCold.all), ratio(repeatCold.best.perSecond / ceiling1), '', ''],
      [`registry.ingest(repeat session), warm record cache`, num(repeat.best.perSecond), spread(repeat.all), ratio(repeat.best.perSecond / ceiling1), '≥ 0.50×', verdict(repeat.best.perSecond / ceiling1 >= 0.5)],
      [`same, prepared statements`, num(repeatPrepared.best.perSecond), spread(repeatPrepared.all), ratio(repeatPrepared.best.perSecond / ceiling1), '≥ 0.50×', verdict(repeatPrepared.best.perSecond / ceiling1 >= 0.5)],
      [`registry.ingest(one input), ${n} concurrent callers, pool of ${n} (vs pgbench ${n} clients)`, num(concurrent.best.perSecond), spread(concurrent.all), ratio(concurrent.best.perSecond / ceilingN), '≥ 0.70×', verdict(concurrent.best.perSecond / ceilingN >= 0.7)],
      [`registry.ingest(repeat session), ${n} concurrent callers, warm cache (vs pgbench ${n} clients)`, num(concurrentRepeat.best.perSecond), spread(concurrentRepeat.all), ratio(concurrentRepeat.best.perSecond / ceilingN), '≥ 0.50×', verdict(concurrentRepeat.best.perSecond / ceilingN >= 0.5)],
      [`registry.ingest(batch of ${num(settings.batchSize)}) × ${num(settings.batched / settings.batchSize)}, server`, num(batched.best.perSecond), spread(batched.all), ratio(batched.best.perSecond / ceiling1), '≥ 3×', verdict(batched.best.perSecond / ceiling1 >= 3)],
      [`same, PGlite in memory`, num(pgliteMemory.best.perSecond), spread(pgliteMemory.all), ratio(pgliteMemory.best.perSecond / ceiling1), '', ''],
      [`same, PGlite on a directory in ${tmpdir()}`, num(pgliteDisk.best.perSecond), spread(pgliteDisk.all), ratio(pgliteDisk.best.perSecond / ceiling1), '', ''],
    ],
  )
  const where = (name: string, m: Measured): string[] => {
    const roundTrips = m.meter.statements + 2 * m.meter.transactions
    const busy = m.meter.readMs + m.meter.commitMs
    return [
      name,
      num(m.inputs),
      num(m.meter.reads),
      num(m.meter.commits),
      num(roundTrips / m.inputs, roundTrips < m.inputs ? 4 : 2),
      `${num(m.ms / m.inputs, 3)} ms`,
      `${num(m.meter.reads === 0 ? 0 : m.meter.readMs / m.meter.reads, 2)} ms`,
      `${num(m.meter.commits === 0 ? 0 : m.meter.commitMs / m.meter.commits, 2)} ms`,
      // With concurrent callers the port's time is summed over callers: the share is of their total.
      `${num((100 * busy) / (m.ms * m.callers))}%`,
    ]
  }
  printTable(
    'Where the time goes: statements counted at the driver (each explicit transaction adds BEGIN and COMMIT); latency of the store port\'s read and commit calls; "in port": share of the time spent waiting on them (the rest is decoding, deciding, the registry shell)',
    ['run', 'inputs', 'reads', 'commits', 'round trips/input', 'time/input', 'per read', 'per commit', 'in port'],
    [
      where('one input per call, 1 connection', single.best),
      where('same, prepared statements', singlePrepared.best),
      where('repeat session per call, cache off', repeatCold.best),
      where('repeat session per call, warm cache', repeat.best),
      where('same, prepared statements', repeatPrepared.best),
      where(`one input per call, ${n} callers`, concurrent.best),
      where(`repeat session per call, ${n} callers, warm cache`, concurrentRepeat.best),
      where(`batches of ${num(settings.batchSize)}, server`, batched.best),
      where(`batches of ${num(settings.batchSize)}, PGlite in memory`, pgliteMemory.best),
      where(`batches of ${num(settings.batchSize)}, PGlite on disk`, pgliteDisk.best),
    ],
  )
  const pgbenchRoundTrip = 1000 / ceiling1
  const singleMs = single.best.ms / single.best.inputs
  const singleTrips = (single.best.meter.statements + 2 * single.best.meter.transactions) / single.best.inputs
  const repeatMs = repeat.best.ms / repeat.best.inputs
  const repeatTrips = (repeat.best.meter.statements + 2 * repeat.best.meter.transactions) / repeat.best.inputs
  const why =
    singleMs > 2 * singleTrips * pgbenchRoundTrip
      ? `${num(singleTrips * pgbenchRoundTrip, 3)} ms of it would be pgbench-like round trips; the rest is the server's work on each statement and the registry's own`
      : 'the round trips account for most of it'
  console.log(
    `  pgbench: one round trip per transaction, ${num(pgbenchRoundTrip, 3)} ms each at 1 client. ` +
      `One registry.ingest(one input): ${num(singleMs, 3)} ms for ${num(singleTrips, 1)} round trips; ${why}. ` +
      `A repeat session with a warm record cache: ${num(repeatMs, 3)} ms for ${num(repeatTrips, 2)} round trips.`,
  )
  await benchPostgresTargets(targetsBenchSettings(settings.url))
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env.PUSH_REGISTRY_PG_URL
  if (url === undefined || url === '') throw new Error('set PUSH_REGISTRY_PG_URL (see .ci/start-postgres)')
  await benchPostgres(postgresBenchSettings(url))
}
