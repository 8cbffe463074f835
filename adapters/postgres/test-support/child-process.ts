/** Spawns ingest workers (`ingest-worker.ts`) and follows what they print. */
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import type { WorkerConfig } from './worker-config.js'
import { workerConfigVariable } from './worker-config.js'

/** The repository root: tsx finds tsconfig.json (and its `push-registry` paths) from there. */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const workerScript = fileURLToPath(new URL('./ingest-worker.ts', import.meta.url))

/** How a worker ended. */
export interface WorkerExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
  /** Every line it printed on stdout. */
  readonly lines: readonly string[]
}

/** A running worker. */
export interface Worker {
  readonly child: ChildProcess
  /** Lines printed so far. */
  readonly lines: readonly string[]
  /** Resolves with the first line (already printed or to come) that satisfies `test`; rejects if the worker ends first. */
  readonly waitFor: (test: (line: string) => boolean) => Promise<string>
  /** Sends a line on its stdin. */
  readonly send: (line: string) => void
  /** Resolves once it exited and its stdout is drained. */
  readonly exited: Promise<WorkerExit>
}

/** Starts `node --import tsx ingest-worker.ts` with `config`. */
export const startWorker = (config: WorkerConfig): Worker => {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    cwd: repoRoot,
    env: { ...process.env, [workerConfigVariable]: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const waiters: { test: (line: string) => boolean; resolve: (line: string) => void; reject: (error: Error) => void }[] = []
  let stderr = ''
  let ended = false
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk
  })
  const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  reader.on('line', (line) => {
    lines.push(line)
    for (const waiter of [...waiters]) {
      if (waiter.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(line)
      }
    }
  })
  const drained = new Promise<void>((resolve) => reader.on('close', resolve))
  const exitedRaw = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const exited = Promise.all([exitedRaw, drained]).then(([exit]) => {
    ended = true
    for (const waiter of waiters.splice(0)) {
      waiter.reject(new Error(`worker ended (code ${exit.code}, signal ${exit.signal}) before printing the line awaited; stderr:\n${stderr}`))
    }
    return { ...exit, stderr, lines }
  })
  return {
    child,
    lines,
    waitFor: (test) => {
      const seen = lines.find(test)
      if (seen !== undefined) return Promise.resolve(seen)
      if (ended) return Promise.reject(new Error(`worker ended before printing the line awaited; stderr:\n${stderr}`))
      return new Promise((resolve, reject) => waiters.push({ test, resolve, reject }))
    },
    send: (line) => {
      child.stdin?.write(`${line}\n`)
    },
    exited,
  }
}
