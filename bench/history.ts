/**
 * D14 figures of `npm run bench` (issue 12): the cost of one input must not grow with the
 * inputs already applied that changed nothing but times.
 *
 * - History: time per `session_started` on a device with 10,000 facts of history ÷ on one with
 *   10 (goal ≤ 1.5×), and the largest stored row of that registration (goal ≤ 4 KB).
 * - Campaign: time per `delivery_reported` in a dispatch that 100,000 devices reported ÷ in one
 *   that 1,000 did (goal ≤ 1.5×).
 * - Kiosk: time per `session_started` of one device of a user seen on 10,000 devices ÷ of one
 *   of a user seen on 10 (goal ≤ 1.5×), and the size of that user's record.
 *
 * - Claims: time per provider answer about a token 10,000 devices reported ÷ about one 10 did
 *   (goal ≤ 1.5×): an answer reads the claimant at its time, not every claimant.
 *
 * All run on the memory adapter and, when `PUSH_REGISTRY_PG_URL` is set, on a fresh schema of
 * the PostgreSQL server. The two sides of a ratio are measured in the same run, alternating
 * blocks of 20 inputs (one `registry.ingest` call per input, a full collection before each
 * block); each side's figure is its median block, over `BENCH_D14_INPUTS` × `BENCH_REPS` inputs.
 */
import { Pool } from 'pg'
import type { Registry, StoragePort } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { createPostgresStorage, pgDriver } from 'push-registry/postgres'
import { benchApps } from './baselines.js'
import { collect, median } from './measure.js'
import { apnsToken, batches } from './population.js'
import { num, printTable, ratio, verdict } from './table.js'

const envCount = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${raw})`)
  return value
}

const reps = Math.min(envCount('BENCH_REPS', 3), 5)
/** Inputs measured per side and round. */
const measured = envCount('BENCH_D14_INPUTS', 100)
const hour = 3_600_000
const start = Date.parse('2021-01-01T00:00:00.000Z')

/** A store to measure on, and how to get rid of it. */
interface Bench {
  readonly name: string
  readonly storage: StoragePort
  readonly done: () => Promise<void>
}

const memoryBench = async (): Promise<Bench> => {
  const storage = createMemoryStorage()
  return { name: 'memory', storage, done: () => storage.close() }
}

const postgresBench = async (url: string): Promise<Bench> => {
  const schema = `bench_d14_${process.pid}_${Date.now()}`
  const pool = new Pool({ connectionString: url, max: 2 })
  const storage = await createPostgresStorage({ driver: pgDriver(pool), schema })
  return {
    name: 'PostgreSQL server',
    storage,
    done: async () => {
      await storage.close()
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await pool.end()
    },
  }
}

const registryOn = (storage: StoragePort): Registry =>
  createRegistry({ apps: benchApps, storage, clock: fixedClock(start + 10 * 365 * 24 * hour) })

const ingestAll = async (registry: Registry, inputs: readonly unknown[]): Promise<void> => {
  for (const batch of batches(inputs, 5_000)) {
    const report = await registry.ingest(batch)
    if (report.accepted !== batch.length) throw new Error(`bench input rejected: ${JSON.stringify(report.rejected[0] ?? report.refused)}`)
  }
}

/** Inputs per timed block; sides alternate block by block. */
const block = 20

/**
 * Milliseconds per input on each side, each input ingested by its own call: the sides
 * alternate in blocks of `block` inputs, each block timed after a full collection (so that
 * neither side pays for the other's garbage), and each side's figure is its median block.
 */
const alternate = async (registry: Registry, sides: readonly ((from: number, count: number) => readonly unknown[])[], count: number): Promise<number[]> => {
  const times: number[][] = sides.map(() => [])
  for (let from = 0; from < count; from += block) {
    for (const [s, side] of sides.entries()) {
      const inputs = side(from, block)
      collect()
      const t0 = performance.now()
      for (const input of inputs) await registry.ingest(input)
      times[s]?.push((performance.now() - t0) / inputs.length)
    }
  }
  return times.map(median)
}

// ---------------------------------------------------------------- History

/**
 * A device opening its app every 4 hours, with the same token and permission: what D14 calls
 * inputs that change nothing but times. `from` numbers the sessions, so histories continue.
 */
const sessions = (deviceId: string, from: number, count: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'session_started',
    at: new Date(start + (from + i) * 4 * hour).toISOString(),
    appId: 'ios',
    deviceId,
    userId: `owner-of-${deviceId}`,
    token: apnsToken(deviceId.length),
    permission: 'granted',
    osVersion: '17.4',
    apnsEnvironment: 'production',
  }))

const rowBytes = async (storage: StoragePort, deviceId: string): Promise<number> => {
  const [stored] = await storage.read([{ kind: 'registration', appId: 'ios' as never, deviceId: deviceId as never }])
  return Buffer.byteLength(JSON.stringify(stored?.record ?? null))
}

const historyOn = async (bench: Bench): Promise<readonly string[][]> => {
  const registry = registryOn(bench.storage)
  const small = 10
  const large = 10_000
  await ingestAll(registry, [...sessions('short', 0, small), ...sessions('long-history', 0, large)])
  const [short, long] = (await alternate(
    registry,
    [(from, count) => sessions('short', small + from, count), (from, count) => sessions('long-history', large + from, count)],
    measured * reps,
  )) as [number, number]
  const bytes = await rowBytes(bench.storage, 'long-history')
  return [
    [`${bench.name}: session_started at ${num(small)} facts`, `${num(short, 3)} ms`, ratio(1), '', `${num(await rowBytes(bench.storage, 'short'))} B`],
    [`${bench.name}: session_started at ${num(large)} facts`, `${num(long, 3)} ms`, ratio(long / short), verdict(long / short <= 1.5), `${num(bytes)} B ${verdict(bytes <= 4096)}`],
  ]
}

// ---------------------------------------------------------------- Campaign

const deliveries = (dispatchId: string, from: number, count: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'delivery_reported',
    at: new Date(start + hour + (from + i) * 10).toISOString(),
    appId: 'ios',
    deviceId: `device-${from + i}`,
    dispatchId,
    event: 'received',
  }))

const campaignOn = async (bench: Bench): Promise<readonly string[][]> => {
  const registry = registryOn(bench.storage)
  const small = 1_000
  const large = 100_000
  await ingestAll(registry, [...deliveries('small-campaign', 0, small), ...deliveries('large-campaign', 0, large)])
  const total = measured * reps
  const [a, b] = (await alternate(
    registry,
    [(from, count) => deliveries('small-campaign', small + from, count), (from, count) => deliveries('large-campaign', large + from, count)],
    total,
  )) as [number, number]
  const stats = await registry.dispatchStats({ appId: 'ios', dispatchId: 'large-campaign' })
  if (stats?.received !== large + total) throw new Error(`campaign counted ${stats?.received} devices, not ${large + total}`)
  return [
    [`${bench.name}: delivery_reported at ${num(small)} devices`, `${num(a, 3)} ms`, ratio(1), ''],
    [`${bench.name}: delivery_reported at ${num(large)} devices`, `${num(b, 3)} ms`, ratio(b / a), verdict(b / a <= 1.5)],
  ]
}

// ---------------------------------------------------------------- Claims

/** `count` devices reporting the same token one minute apart: a cloned image (R3). */
const claims = (token: string, prefix: string, count: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'session_started',
    at: new Date(start + i * 60_000).toISOString(),
    appId: 'ios',
    deviceId: `${prefix}-${i}`,
    token,
    permission: 'granted',
  }))

/** Delivered answers about `token` after its last claim, numbered by `from` so that they continue. */
const answers = (token: string, from: number, count: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => ({
    type: 'provider_answer',
    at: new Date(start + 30 * 24 * hour + (from + i) * 1000).toISOString(),
    appId: 'ios',
    token,
    provider: 'apns',
    status: 200,
  }))

const claimsOn = async (bench: Bench): Promise<readonly string[][]> => {
  const registry = registryOn(bench.storage)
  const few = 10
  const many = 10_000
  const [a, b] = [apnsToken(1_000_001), apnsToken(1_000_002)]
  await ingestAll(registry, [...claims(a, 'few', few), ...claims(b, 'many', many)])
  const [large, small] = (await alternate(registry, [(from, count) => answers(b, from, count), (from, count) => answers(a, from, count)], measured * reps)) as [number, number]
  return [
    [`${bench.name}: provider answer, token claimed by ${num(few)} devices`, `${num(small, 3)} ms`, ratio(1), ''],
    [`${bench.name}: provider answer, token claimed by ${num(many)} devices`, `${num(large, 3)} ms`, ratio(large / small), verdict(large / small <= 1.5)],
  ]
}

// ---------------------------------------------------------------- Kiosk

/** Sessions of `userId`'s devices `0…devices-1` in turn, every 4 hours of each device's life. */
const kioskSessions = (userId: string, devices: number, from: number, count: number): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, i) => {
    const device = (from + i) % devices
    return {
      type: 'session_started',
      at: new Date(start + (from + i) * hour).toISOString(),
      appId: 'ios',
      deviceId: `${userId}-device-${device}`,
      userId,
      token: apnsToken(device + (userId === 'kiosk' ? 2_000_000 : 0)),
      permission: 'granted',
      osVersion: '17.4',
      apnsEnvironment: 'production',
    }
  })

const userBytes = async (storage: StoragePort, userId: string): Promise<number> => {
  const [stored] = await storage.read([{ kind: 'user', userId: userId as never }])
  return Buffer.byteLength(JSON.stringify(stored?.record ?? null))
}

const kioskOn = async (bench: Bench): Promise<readonly string[][]> => {
  const registry = registryOn(bench.storage)
  const small = 10
  const large = 10_000
  await ingestAll(registry, [...kioskSessions('family', small, 0, small), ...kioskSessions('kiosk', large, 0, large)])
  const [a, b] = (await alternate(
    registry,
    [(from, count) => kioskSessions('family', small, small + from, count), (from, count) => kioskSessions('kiosk', large, large + from, count)],
    measured * reps,
  )) as [number, number]
  return [
    [`${bench.name}: session_started, user on ${num(small)} devices`, `${num(a, 3)} ms`, ratio(1), '', `${num(await userBytes(bench.storage, 'family'))} B`],
    [`${bench.name}: session_started, user on ${num(large)} devices`, `${num(b, 3)} ms`, ratio(b / a), verdict(b / a <= 1.5), `${num(await userBytes(bench.storage, 'kiosk'))} B`],
  ]
}

// ---------------------------------------------------------------- the suites

const benches = (): (() => Promise<Bench>)[] => {
  const url = process.env['PUSH_REGISTRY_PG_URL']
  return [memoryBench, ...(url === undefined || url === '' ? [] : [() => postgresBench(url)])]
}

const each = async (measure: (bench: Bench) => Promise<readonly string[][]>): Promise<string[][]> => {
  const rows: string[][] = []
  for (const open of benches()) {
    const bench = await open()
    try {
      rows.push(...(await measure(bench)))
    } finally {
      await bench.done()
    }
  }
  return rows
}

/** History: one device's long life of repeated sessions (D14). */
export const benchHistory = async (): Promise<void> => {
  const rows = await each(historyOn)
  printTable(`History (D14): per session_started, ${measured * reps} inputs per side in blocks of ${block}, one call each`, ['case', 'time', 'ratio', 'goal ≤ 1.5×', 'registration row (≤ 4 KB)'], rows)
}

/** Campaign: delivery reports of a large dispatch (D14). */
export const benchCampaign = async (): Promise<void> => {
  const rows = await each(campaignOn)
  printTable(`Campaign (D14): per delivery_reported, ${measured * reps} inputs per side in blocks of ${block}, one call each`, ['case', 'time', 'ratio', 'goal ≤ 1.5×'], rows)
}

/** Claims: provider answers about a token many devices reported (R3, D14). */
export const benchClaims = async (): Promise<void> => {
  const rows = await each(claimsOn)
  printTable(`Claims (R3, D14): per provider answer, ${measured * reps} inputs per side in blocks of ${block}, one call each`, ['case', 'time', 'ratio', 'goal ≤ 1.5×'], rows)
}

/** Kiosk: one device's session of a user seen on thousands of devices (issue 12 item 1). */
export const benchKiosk = async (): Promise<void> => {
  const rows = await each(kioskOn)
  printTable(`Kiosk (D14): per session_started of one device, ${measured * reps} inputs per side in blocks of ${block}, one call each`, ['case', 'time', 'ratio', 'goal ≤ 1.5×', 'user record'], rows)
}
