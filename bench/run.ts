/**
 * `npm run bench`: ingest throughput, query latency over a large store, heap per registration,
 * each next to a baseline measured in the same run (see bench/README.md). Figures are medians
 * of `BENCH_REPS` repetitions; compare ratios, not absolute numbers, across machines.
 */
import type { Registry } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import type { AppId } from '../src/domain/brand.js'
import type { FloorEntry } from './baselines.js'
import {
  benchApps,
  benchCatalog,
  decoded,
  flatRegistration,
  floorLoop,
  plainMapLoop,
  rawTransition,
  scanAlertTargets,
  scanBackgroundOrForeground,
  scanForegroundForApp,
} from './baselines.js'
import { heapWhileStreaming, liveHeap, median, timeMs } from './measure.js'
import { batches, iosSpec, populationInputs, queryNow, registrationSpec, sessionStarted } from './population.js'
import { num, printTable, ratio, verdict } from './table.js'

const envCount = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${raw})`)
  return value
}

const ingestCount = envCount('BENCH_N', 100_000)
const registrationCount = envCount('BENCH_REGISTRATIONS', 1_000_000)
const reps = envCount('BENCH_REPS', 5)
const batchSize = 10_000
/** Registrations generated and ingested at a time while building the large store. */
const buildChunk = 9_000
const ios = 'ios' as AppId

const newRegistry = (): Registry =>
  createRegistry({ apps: benchApps, storage: createMemoryStorage(), clock: fixedClock(queryNow) })

const ingestAll = async (registry: Registry, wireBatches: readonly (readonly unknown[])[]): Promise<void> => {
  for (const batch of wireBatches) {
    const report = await registry.ingest(batch)
    if (report.accepted !== batch.length) throw new Error(`bench input rejected: ${JSON.stringify(report.rejected[0] ?? report.refused)}`)
  }
}

/** Streams a query to its end, holding nothing: how a sender would consume it. */
const count = async (items: AsyncIterable<unknown>): Promise<number> => {
  let n = 0
  for await (const _ of items) n++
  return n
}

/** Streams a query page by page to its end, holding nothing: how a sender that works in batches consumes it. */
const countPages = async (pages: AsyncIterable<readonly unknown[]>): Promise<number> => {
  let n = 0
  for await (const page of pages) n += page.length
  return n
}

const spread = (values: readonly number[], digits = 0): string =>
  `${num(Math.min(...values), digits)}–${num(Math.max(...values), digits)}`

// ---------------------------------------------------------------- ingest throughput

const benchIngest = async (): Promise<void> => {
  const wire = Array.from({ length: ingestCount }, (_, i) => sessionStarted(iosSpec(i, ingestCount)))
  const wireBatches = batches(wire, batchSize)
  const inputs = wire.map(decoded)
  const catalog = benchCatalog()

  // Warm-up on a slice, so the first timed repetition does not pay for compiling everything.
  const warm = Math.min(batchSize, ingestCount)
  await ingestAll(newRegistry(), [wire.slice(0, warm)])
  rawTransition(inputs.slice(0, warm), catalog)
  plainMapLoop(inputs.slice(0, warm))
  floorLoop(inputs.slice(0, warm))

  const registryMs: number[] = []
  const plainMs: number[] = []
  const rawMs: number[] = []
  const floorMs: number[] = []
  for (let rep = 0; rep < reps; rep++) {
    const registry = newRegistry()
    registryMs.push((await timeMs(() => ingestAll(registry, wireBatches))).ms)
    if (rep === 0) {
      const known = await count(registry.registrations(ios))
      if (known !== ingestCount) throw new Error(`registry holds ${known} registrations, expected ${ingestCount}`)
    }
    plainMs.push((await timeMs(() => plainMapLoop(inputs))).ms)
    const raw = await timeMs(() => rawTransition(inputs, catalog))
    rawMs.push(raw.ms)
    floorMs.push((await timeMs(() => floorLoop(inputs))).ms)
  }
  const perSecond = (ms: number): number => (ingestCount / ms) * 1000
  const registry = perSecond(median(registryMs))
  const plain = perSecond(median(plainMs))
  const raw = perSecond(median(rawMs))
  const floor = perSecond(median(floorMs))
  printTable(
    `Ingest throughput: ${num(ingestCount)} session_started inputs (iOS, APNs tokens, distinct devices), batches of ${num(batchSize)}, median of ${reps}`,
    ['measure', 'inputs/s', 'ms (min–max)', 'vs plain Map', 'goal', ''],
    [
      ['registry.ingest, memory storage', num(registry), spread(registryMs), ratio(registry / plain), '≥ 0.50× plain', verdict(registry / plain >= 0.5)],
      ['plain Map of {token, owner, capability, at} (baseline)', num(plain), spread(plainMs), ratio(1), '', ''],
      ['library core only: needs/decide on a Map', num(raw), spread(rawMs), ratio(raw / plain), '', ''],
      ['floor: map.set(deviceKey, {token, owner, at})', num(floor), spread(floorMs), ratio(floor / plain), '', ''],
    ],
  )
}

// ---------------------------------------------------------------- large store: build, heap, queries

interface QueryTimes {
  readonly name: string
  readonly registryMs: number[]
  readonly baselineMs: number[]
  readonly registryCount: number
  readonly baselineCount: number
}

const benchLargeStore = async (): Promise<void> => {
  const before = liveHeap()
  const registry = newRegistry()
  let inputCount = 0
  let buildMs = 0
  const wallStart = performance.now()
  for (let from = 0; from < registrationCount; from += buildChunk) {
    // Generated chunk by chunk: the wire inputs become garbage before the heap is measured.
    const inputs = populationInputs(from, Math.min(registrationCount, from + buildChunk), registrationCount)
    inputCount += inputs.length
    const start = performance.now()
    await ingestAll(registry, batches(inputs, batchSize))
    buildMs += performance.now() - start
  }
  const wallMs = performance.now() - wallStart
  const heapPerRegistration = (liveHeap() - before) / registrationCount

  const queries = [
    { name: `segment foregroundPushEnabledForApp:${ios}`, run: () => count(registry.segment({ kind: 'foregroundPushEnabledForApp', appId: ios })) },
    { name: 'segment backgroundOrForegroundPushEnabled', run: () => count(registry.segment({ kind: 'backgroundOrForegroundPushEnabled' })) },
    { name: `targets ${ios} alert`, run: () => count(registry.targets({ appId: ios, kind: 'alert' })) },
    { name: `targets ${ios} alert, a page at a time (byPage)`, run: () => countPages(registry.targets({ appId: ios, kind: 'alert' }).byPage()) },
  ]
  // The baseline array is built only now, after the registry's heap was measured.
  const rows = Array.from({ length: registrationCount }, (_, i) => flatRegistration(registrationSpec(i, registrationCount)))
  const scans = [
    () => scanForegroundForApp(rows, ios).length,
    () => scanBackgroundOrForeground(rows).length,
    () => scanAlertTargets(rows, ios).length,
    () => scanAlertTargets(rows, ios).length,
  ]
  // Interleaved repetitions, the registry's query then its baseline, so that both see the same
  // machine load (it moves on a shared machine).
  const registryMs = queries.map((): number[] => [])
  const baselineMs = queries.map((): number[] => [])
  const registryCounts = queries.map(() => 0)
  const baselineCounts = queries.map(() => 0)
  for (let rep = 0; rep < reps; rep++) {
    for (const [q, query] of queries.entries()) {
      const timed = await timeMs(query.run)
      registryMs[q]?.push(timed.ms)
      registryCounts[q] = timed.result
      // After a full collection too, as timeMs does for the registry: neither side pays for the
      // other's garbage, and both start from the same heap state.
      const baseline = await timeMs(scans[q] as () => number)
      baselineCounts[q] = baseline.result
      baselineMs[q]?.push(baseline.ms)
    }
  }
  const results: QueryTimes[] = queries.map((query, q) => ({
    name: query.name,
    registryMs: registryMs[q] ?? [],
    baselineMs: baselineMs[q] ?? [],
    registryCount: registryCounts[q] ?? 0,
    baselineCount: baselineCounts[q] ?? 0,
  }))
  const streamed = await heapWhileStreaming(registry.targets({ appId: ios, kind: 'alert' }))
  await registry.close()

  printTable(
    `Build: ${num(registrationCount)} registrations (60% iOS / 40% Android, ~10% background, 5% of users unsubscribed) from ${num(inputCount)} inputs via registry.ingest`,
    ['measure', 'value', 'goal', ''],
    [
      ['time in registry.ingest', `${num(buildMs / 1000, 1)} s`, '', ''],
      ['wall time, input generation included', `${num(wallMs / 1000, 1)} s`, '', ''],
      ['build throughput (growing store)', `${num((inputCount / buildMs) * 1000)} inputs/s`, '', ''],
    ],
  )
  printTable(
    `Queries over ${num(registrationCount)} registrations, median of ${reps}; baseline: one filter pass over a plain array of ${num(registrationCount)} objects`,
    ['query', 'registry s', 's (min–max)', 'baseline s', 'vs baseline', 'answers', 'goal', ''],
    results.map((r) => {
      const mine = median(r.registryMs) / 1000
      const base = median(r.baselineMs) / 1000
      const agree = r.registryCount === r.baselineCount ? `${num(r.registryCount)} = baseline` : `${num(r.registryCount)} ≠ ${num(r.baselineCount)} baseline`
      // Targets stream to a sender: the goal is against the plain filter; segments keep theirs.
      const isTargets = r.name.startsWith('targets')
      const goal = isTargets ? '≤ 2× baseline' : '< 1 s'
      return [r.name, num(mine, 3), spread(r.registryMs.map((ms) => ms / 1000), 3), num(base, 3), ratio(mine / base), agree, goal, verdict(isTargets ? mine / base <= 2 : mine < 1)]
    }),
  )
  const mb = streamed.growth / 2 ** 20
  printTable(
    `Heap while streaming targets ${ios} alert to the end (${num(streamed.count)} targets, sampled every 1,024)`,
    ['measure', 'value', 'goal', ''],
    [['peak heap above the live heap before the query', `${num(mb, 1)} MB`, '≤ 64 MB', verdict(mb <= 64)]],
  )
  printHeap(heapPerRegistration, floorHeapPerRegistration(), rawHeapPerRegistration())
}

/** Heap per entry of the floor loop's Map, over the same population. */
const floorHeapPerRegistration = (): number => {
  const before = liveHeap()
  const map = new Map<string, FloorEntry>()
  for (let from = 0; from < registrationCount; from += buildChunk) {
    floorLoop(populationInputs(from, Math.min(registrationCount, from + buildChunk), registrationCount).map(decoded), map)
  }
  const perEntry = (liveHeap() - before) / registrationCount
  if (map.size !== registrationCount) throw new Error(`floor map holds ${map.size} entries`)
  return perEntry
}

/**
 * Heap per registration of the records alone (raw needs/decide on a Map), for `BENCH_N`
 * registrations of the same population: what the records cost without the storage around them.
 */
const rawHeapPerRegistration = (): number => {
  const before = liveHeap()
  const inputs = populationInputs(0, ingestCount, ingestCount).map(decoded)
  const records = rawTransition(inputs, benchCatalog())
  const perRegistration = (liveHeap() - before) / ingestCount
  if (records.size < ingestCount) throw new Error(`raw map holds ${records.size} records`)
  return perRegistration
}

const printHeap = (registry: number, floor: number, raw: number): void => {
  printTable(
    'Heap bytes per registration (live heap after a full GC, before vs after building)',
    ['measure', 'bytes', 'vs floor', 'goal', ''],
    [
      [`registry on memory storage (${num(registrationCount)} registrations)`, num(registry), ratio(registry / floor), '≤ 500', verdict(registry <= 500)],
      [`raw records in a Map, no storage shell (${num(ingestCount)} registrations)`, num(raw), ratio(raw / floor), '', ''],
      [`floor: Map of {token, owner, at} (${num(registrationCount)} registrations)`, num(floor), ratio(1), '', ''],
    ],
  )
}

/**
 * The suites, in the order a bare `npm run bench` runs them. `npm run bench -- apns webpush`
 * runs only the named ones. Each suite is imported lazily, so a run loads only what it measures.
 */
const suites: Readonly<Record<string, () => Promise<void>>> = {
  core: async () => {
    console.log(
      `push-registry bench: node ${process.version}, BENCH_N=${ingestCount}, BENCH_REGISTRATIONS=${registrationCount}, BENCH_REPS=${reps}`,
    )
    await benchIngest()
    await benchLargeStore()
  },
  // PostgreSQL figures need a server: skipped, with a word, when none is configured.
  postgres: async () => {
    const pgUrl = process.env.PUSH_REGISTRY_PG_URL
    if (pgUrl === undefined || pgUrl === '') {
      console.log('postgres: skipped (set PUSH_REGISTRY_PG_URL to measure the PostgreSQL adapter)')
      return
    }
    const { benchPostgres, postgresBenchSettings } = await import('./postgres.js')
    await benchPostgres(postgresBenchSettings(pgUrl))
  },
  // D14, on memory and (when PUSH_REGISTRY_PG_URL is set) on the PostgreSQL server.
  history: async () => (await import('./history.js')).benchHistory(),
  campaign: async () => (await import('./history.js')).benchCampaign(),
  claims: async () => (await import('./history.js')).benchClaims(),
  kiosk: async () => (await import('./history.js')).benchKiosk(),
  'cli-ingest': async () => (await import('./cli-ingest.js')).benchCliIngest(),
  apns: async () => (await import('./apns.js')).benchApns(),
  webpush: async () => (await import('./webpush.js')).benchWebPush(),
}

const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !(name in suites))
if (unknown.length > 0) {
  console.error(`unknown bench suite(s): ${unknown.join(', ')}; known: ${Object.keys(suites).join(', ')}`)
  process.exit(2)
}
for (const name of asked.length > 0 ? asked : Object.keys(suites)) {
  await (suites[name] as () => Promise<void>)()
}
