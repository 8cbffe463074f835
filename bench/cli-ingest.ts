/**
 * `npx tsx bench/cli-ingest.ts` (or `npm run bench -- cli-ingest`): the `push-registry ingest`
 * command on a JSON-lines file of 1,000,000 inputs over 200,000 devices, spawned as an operator
 * would run it (memory store, batches of 5,000, its progress shown), next to the library's own
 * `registry.ingest` over the same inputs in batches of the same size, measured in the same run.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readLines } from '../adapters/cli/line-reader.js'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { benchApps } from './baselines.js'
import { apnsToken, epoch, fcmToken, registrationSpec, sessionStarted, userCount } from './population.js'
import { num, printTable, ratio } from './table.js'

const envCount = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${raw})`)
  return value
}

const day = 24 * 3600 * 1000
const batchSize = 5000
/** One line in this many is invalid (an unknown permission), so the rejects path is exercised too. */
const badEvery = 10_000

/**
 * Input `k` of the file: first a `session_started` per device, then a mix over those devices:
 * 40% sessions again, 20% `token_reported` (one in five with a rotated token), 15%
 * `user_changed`, 10% `prompt_answered` on iOS (sessions on Android), 5% each of
 * `subscription_set`, `user_attributes` and `delivery_reported`. Deterministic.
 */
export const cliInput = (k: number, devices: number): Record<string, unknown> => {
  if (k < devices) return sessionStarted(registrationSpec(k, devices))
  const j = k - devices
  const spec = registrationSpec((j * 7919 + 13) % devices, devices)
  const at = new Date(epoch + 31 * day + j * 1000).toISOString()
  const device = { at, appId: spec.appId, deviceId: spec.deviceId }
  const slot = j % 20
  if (j % badEvery === badEvery - 1) return { type: 'token_reported', ...device, token: spec.token, permission: 'maybe' }
  if (slot < 8 || (slot >= 16 && slot < 18 && spec.appId === 'android')) return { ...sessionStarted(spec), at }
  if (slot < 12) {
    const rotated = slot === 11 ? (spec.appId === 'ios' ? apnsToken(devices + j) : fcmToken(devices + j)) : spec.token
    return { type: 'token_reported', ...device, token: rotated, permission: spec.permission, osVersion: spec.osVersion }
  }
  if (slot < 15) return { type: 'user_changed', ...device, userId: `user-${(j * 31) % userCount(devices)}` }
  if (slot === 15) return { type: 'subscription_set', at, userId: spec.userId, state: j % 3 === 0 ? 'unsubscribed' : 'subscribed' }
  if (slot < 18) return { type: 'prompt_answered', ...device, result: j % 4 === 0 ? 'denied' : 'granted' }
  if (slot === 18) return { type: 'user_attributes', at, userId: spec.userId, email: `${spec.userId}@example.com` }
  return { type: 'delivery_reported', ...device, dispatchId: `dispatch-${j}`, event: j % 2 === 0 ? 'received' : 'opened' }
}

const writeFile = async (path: string, lines: number, devices: number): Promise<void> => {
  const out = createWriteStream(path)
  let chunk: string[] = []
  for (let k = 0; k < lines; k++) {
    chunk.push(JSON.stringify(cliInput(k, devices)))
    if (chunk.length === 10_000 || k === lines - 1) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain')
      chunk = []
    }
  }
  out.end()
  await once(out, 'finish')
}

/** The CLI in a child process; its stderr (the progress) is shown and kept for its summary. */
const spawnIngest = async (file: string, config: string): Promise<{ ms: number; code: number | null; stderr: string }> => {
  const root = resolve(import.meta.dirname, '..')
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'adapters/cli/main.ts'), 'ingest', file, '--config', config, '--batch-size', String(batchSize)], {
    cwd: root,
    env: { ...process.env, TSX_TSCONFIG_PATH: resolve(root, 'tsconfig.json') },
    stdio: ['ignore', 'inherit', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (text: string) => {
    stderr += text
    process.stderr.write(text)
  })
  const [code] = (await once(child, 'close')) as [number | null]
  return { ms: performance.now() - started, code, stderr }
}

/** The library alone: the same inputs, generated batch by batch; only `ingest` is timed. */
const libraryIngest = async (lines: number, devices: number): Promise<{ ms: number; accepted: number; rejected: number }> => {
  const registry = createRegistry({ apps: benchApps, storage: createMemoryStorage(), clock: fixedClock(epoch + 60 * day) })
  let ms = 0
  let accepted = 0
  let rejected = 0
  for (let from = 0; from < lines; from += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, lines - from) }, (_, i) => cliInput(from + i, devices))
    const started = performance.now()
    const report = await registry.ingest(batch)
    ms += performance.now() - started
    accepted += report.accepted
    rejected += report.rejected.length
  }
  await registry.close()
  return { ms, accepted, rejected }
}

/** What the command adds before the registry sees an input: reading the file line by line and `JSON.parse`. */
const readAndParse = async (file: string): Promise<number> => {
  const started = performance.now()
  let parsed = 0
  for await (const line of readLines(file)) {
    if (line.kind === 'too long') continue
    try {
      JSON.parse(line.text)
      parsed++
    } catch {
      // Counted as a reject by the command; nothing to do here.
    }
  }
  if (parsed === 0) throw new Error('nothing parsed')
  return performance.now() - started
}

/** Runs the comparison and prints it. */
export async function benchCliIngest(): Promise<void> {
  const lines = envCount('BENCH_CLI_LINES', 1_000_000)
  const devices = envCount('BENCH_CLI_DEVICES', 200_000)
  const dir = mkdtempSync(join(tmpdir(), 'push-registry-bench-cli-'))
  try {
    const file = join(dir, 'inputs.jsonl')
    const config = join(dir, 'push-registry.json')
    writeFileSync(config, JSON.stringify({ apps: benchApps }))
    console.log(`\ncli-ingest: writing ${num(lines)} lines over ${num(devices)} devices to ${file}`)
    await writeFile(file, lines, devices)
    const bytes = statSync(file).size

    const cli = await spawnIngest(file, config)
    const summary = /ingest: ([\d,]+) accepted, ([\d,]+) rejected.*this run ([\d,]+) inputs in ([\d.]+) s, ([\d,]+) inputs\/s/.exec(cli.stderr)
    if (summary === null || cli.code !== 3) throw new Error(`push-registry ingest ended with code ${cli.code} and no summary`)
    const count = (s: string | undefined): number => Number((s ?? '').replace(/,/g, ''))
    const library = await libraryIngest(lines, devices)
    if (library.accepted !== count(summary[1]) || library.rejected !== count(summary[2])) {
      throw new Error(`the CLI and the library disagree: ${summary[1]}/${summary[2]} vs ${library.accepted}/${library.rejected}`)
    }

    const parseMs = await readAndParse(file)
    const libraryRate = (lines / library.ms) * 1000
    const cliRate = count(summary[5])
    const wallRate = (lines / cli.ms) * 1000
    printTable(
      `push-registry ingest: ${num(lines)} lines (${num(bytes / 1e6, 0)} MB, ${num(devices)} devices, ${num(library.rejected)} rejected), memory store, batches of ${num(batchSize)}`,
      ['measure', 'inputs/s', 's', 'vs library'],
      [
        ['push-registry ingest, spawned (wall, process start included)', num(wallRate), num(cli.ms / 1000, 1), ratio(wallRate / libraryRate)],
        ['push-registry ingest, its own summary (read, parse, ingest, rejects)', num(cliRate), summary[4] ?? '', ratio(cliRate / libraryRate)],
        ['registry.ingest on the same inputs as objects (baseline)', num(libraryRate), num(library.ms / 1000, 1), ratio(1)],
        ['of which the command adds: read the file + JSON.parse, in-process', num((lines / parseMs) * 1000), num(parseMs / 1000, 1), ''],
      ],
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.dirname, 'cli-ingest.ts')) {
  await benchCliIngest()
}
