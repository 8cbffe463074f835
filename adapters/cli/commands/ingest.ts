import { access, open, stat, truncate } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Issue, Registry } from 'push-registry'
import { defaultLimits } from 'push-registry'
import type { Checkpoint } from '../checkpoint.js'
import { readCheckpoint, removeCheckpoint, writeCheckpoint } from '../checkpoint.js'
import { failure, usageError } from '../cli-error.js'
import type { CliIo } from '../cli-io.js'
import { say } from '../cli-io.js'
import type { ExitCode } from '../exit-codes.js'
import { exitCodes } from '../exit-codes.js'
import { defaultMaxLineBytes, readLines } from '../line-reader.js'
import { withRegistry } from '../open-registry.js'
import { chooseStore, describeStore } from '../open-store.js'
import { expectPositionals, integerOption, parseOptions, registryOptions } from '../parse-options.js'
import { createProgress } from '../progress.js'

const options = {
  ...registryOptions,
  rejects: { type: 'string' },
  checkpoint: { type: 'string' },
  restart: { type: 'boolean' },
  'batch-size': { type: 'string' },
  'max-line-bytes': { type: 'string' },
  quiet: { type: 'boolean' },
  // Hidden: stops after N committed batches, as an interruption would; for tests of resuming.
  'max-batches': { type: 'string' },
} as const

/** One rejected line as the rejects file holds it. */
export interface RejectedLine {
  readonly line: number
  readonly issues: readonly Issue[]
  /** The input as read; absent when the line is not JSON or too long. */
  readonly input?: unknown
  /** The first bytes of a line over `--max-line-bytes`, to find it by (never the whole line). */
  readonly prefix?: string
}

interface Totals {
  accepted: number
  rejected: number
}

const notJson: readonly Issue[] = [{ path: 'line', rule: 'S3', message: 'is not valid JSON' }]

/** The largest `--max-line-bytes`: V8's longest string is about 512 Mi characters. */
const maxLineBytesLimit = 256 * 1024 * 1024

/** S3: a line over the limit is rejected as it is read, never parsed or kept. */
const tooLong = (bytes: number, max: number): Issue => ({
  path: 'line',
  rule: 'S3',
  message: `is ${bytes.toLocaleString('en-US')} bytes long; a line holds at most ${max.toLocaleString('en-US')} bytes (--max-line-bytes)`,
})

/** The batch index in a path (`inputs[41].token`) means nothing in a file: the line number says where. */
const pathInLine = (issue: Issue): Issue => ({ ...issue, path: issue.path.replace(/^inputs\[\d+\]/, 'input') })

const rejectLine = (rejected: RejectedLine): string => `${JSON.stringify(rejected)}\n`

/**
 * `push-registry ingest <file.jsonl>`: streams the file into the registry in batches; rejected
 * lines go to the rejects file; a checkpoint after each committed batch makes it resumable.
 */
export const ingestCommand = async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { values, positionals } = parseOptions('ingest', args, options)
  expectPositionals('ingest', positionals, ['file.jsonl'])
  const file = resolve(io.cwd, positionals[0] as string)
  const batchSize = integerOption('ingest', 'batch-size', values['batch-size'], 5000, 1, defaultLimits.maxBatchSize)
  const maxLineBytes = integerOption('ingest', 'max-line-bytes', values['max-line-bytes'], defaultMaxLineBytes, 1, maxLineBytesLimit)
  const maxBatches = integerOption('ingest', 'max-batches', values['max-batches'], Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER)
  const rejectsPath = resolve(io.cwd, values.rejects ?? `${file}.rejected.jsonl`)
  const checkpointPath = resolve(io.cwd, values.checkpoint ?? `${file}.checkpoint`)
  const choice = chooseStore(io, values)
  const store = describeStore(choice)
  // A memory store starts empty: resuming into it would skip lines it never got.
  const resumable = choice.kind !== 'memory'

  const size = await fileSize(file)
  let from: Checkpoint | null = null
  if (values.restart === true) await removeCheckpoint(checkpointPath)
  else if (resumable) from = await usableCheckpoint(checkpointPath, file, store, size)
  else if (await exists(checkpointPath)) say(io, `ingest: the store is in memory, so the checkpoint ${checkpointPath} is ignored`)

  const note = values.quiet === true ? undefined : (line: string) => say(io, `ingest: ${line}`)
  return withRegistry(io, { ...values, note }, undefined, async ({ registry }) => {
    const rejects = await openRejects(rejectsPath, from?.rejectsBytes ?? null)
    try {
      if (from !== null) say(io, `ingest: resuming after line ${from.line.toLocaleString('en-US')} (checkpoint ${checkpointPath})`)
      const run = await ingestLines({ io, registry, file, size, from, batchSize, maxLineBytes, maxBatches, rejects, quiet: values.quiet === true, store, checkpointPath: resumable ? checkpointPath : null })
      const seconds = run.ms / 1000
      const rate = run.inputs / Math.max(seconds, 1e-3)
      const after = run.lastLine.toLocaleString('en-US')
      const stopped = !run.stoppedEarly ? '' : resumable ? ` — stopped after line ${after}, run again to resume` : ` — stopped after line ${after} (the memory store kept nothing)`
      say(
        io,
        `ingest: ${run.totals.accepted.toLocaleString('en-US')} accepted, ${run.totals.rejected.toLocaleString('en-US')} rejected` +
          `${run.totals.rejected > 0 ? ` (see ${rejectsPath})` : ''}; this run ${run.inputs.toLocaleString('en-US')} inputs in ${seconds.toFixed(1)} s, ` +
          `${Math.round(rate).toLocaleString('en-US')} inputs/s${stopped}`,
      )
      if (io.signal?.aborted === true) return exitCodes.failure
      return run.totals.rejected > 0 ? exitCodes.rejected : exitCodes.ok
    } finally {
      await rejects.close()
    }
  })
}

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  )

const fileSize = async (file: string): Promise<number> => {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw failure(`ingest: cannot read ${file} (${error.code ?? 'error'})`)
  })
  if (!info.isFile()) throw failure(`ingest: ${file} is not a file`)
  return info.size
}

/** The checkpoint to resume from, if it belongs to this file and this store. */
const usableCheckpoint = async (path: string, file: string, store: string, size: number): Promise<Checkpoint | null> => {
  const checkpoint = await readCheckpoint(path)
  if (checkpoint === null) return null
  if (checkpoint.file !== file) throw usageError(`ingest: the checkpoint ${path} belongs to ${checkpoint.file}; pass --restart or --checkpoint PATH`)
  if (checkpoint.store !== store) {
    throw usageError(`ingest: the checkpoint ${path} was written for ${checkpoint.store}, not ${store}; pass --restart to ingest from line 1`)
  }
  if (checkpoint.offset > size) throw usageError(`ingest: ${file} is shorter than its checkpoint says (was it replaced?); pass --restart`)
  return checkpoint
}

/** The rejects file: emptied for a fresh run, cut back to the checkpoint's length for a resumed one. */
const openRejects = async (path: string, keepBytes: number | null): Promise<FileHandle> => {
  try {
    if (keepBytes === null) return await open(path, 'w', 0o600)
    await truncate(path, keepBytes).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
    })
    return await open(path, 'a', 0o600)
  } catch (error) {
    throw failure(`ingest: cannot write the rejects file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

interface IngestRun {
  readonly io: CliIo
  readonly registry: Registry
  readonly file: string
  readonly size: number
  readonly from: Checkpoint | null
  readonly batchSize: number
  readonly maxLineBytes: number
  readonly maxBatches: number
  readonly rejects: FileHandle
  readonly quiet: boolean
  readonly store: string
  /** `null` when the store cannot be resumed into (memory). */
  readonly checkpointPath: string | null
}

interface RunResult {
  readonly totals: Totals
  readonly inputs: number
  readonly lastLine: number
  readonly ms: number
  readonly stoppedEarly: boolean
}

const ingestLines = async (run: IngestRun): Promise<RunResult> => {
  const started = performance.now()
  const startOffset = run.from?.offset ?? 0
  const totals: Totals = { accepted: run.from?.accepted ?? 0, rejected: run.from?.rejected ?? 0 }
  let rejectsBytes = run.from?.rejectsBytes ?? 0
  let lines = 0
  let inputs = 0
  let lastLine = run.from?.line ?? 0
  let batches = 0
  let pending: RejectedLine[] = []
  let batch: unknown[] = []
  let batchLines: number[] = []
  let offset = startOffset
  const progress = run.quiet ? null : createProgress({ out: run.io.stderr, totalBytes: run.size, startOffset })

  const commit = async (): Promise<void> => {
    if (batch.length > 0) {
      const report = await run.registry.ingest(batch)
      if (report.refused !== undefined) throw failure(`ingest: the registry refused a batch: ${report.refused.message}`)
      totals.accepted += report.accepted
      for (const rejection of report.rejected) {
        const line = batchLines[rejection.index] as number
        pending.push({ line, issues: rejection.issues.map(pathInLine), input: batch[rejection.index] })
      }
      totals.rejected += report.rejected.length
    }
    // Rejected lines are written before the checkpoint moves past them, in line order (lines
    // that are not JSON were found while reading, the registry's rejections after).
    if (pending.length > 0) {
      const text = pending.sort((a, b) => a.line - b.line).map(rejectLine).join('')
      await run.rejects.write(text)
      rejectsBytes += Buffer.byteLength(text)
    }
    if (run.checkpointPath !== null) {
      await writeCheckpoint(run.checkpointPath, {
        version: 1,
        file: run.file,
        store: run.store,
        offset,
        line: lastLine,
        accepted: totals.accepted,
        rejected: totals.rejected,
        rejectsBytes,
        updatedAt: new Date().toISOString(),
      })
    }
    batches++
    batch = []
    batchLines = []
    pending = []
    progress?.update({ lines, inputs, accepted: totals.accepted, rejected: totals.rejected, offset })
  }

  let stoppedEarly = false
  for await (const line of readLines(run.file, { start: startOffset, firstNumber: lastLine + 1, maxLineBytes: run.maxLineBytes })) {
    lines++
    lastLine = line.number
    offset = line.end
    if (line.kind === 'too long') {
      inputs++
      pending.push({ line: line.number, issues: [tooLong(line.bytes, run.maxLineBytes)], prefix: line.prefix })
      totals.rejected++
      continue
    }
    if (line.text.trim() === '') continue
    inputs++
    let input: unknown
    try {
      input = JSON.parse(line.text)
    } catch {
      pending.push({ line: line.number, issues: notJson })
      totals.rejected++
      continue
    }
    batch.push(input)
    batchLines.push(line.number)
    if (batch.length >= run.batchSize) {
      await commit()
      if (batches >= run.maxBatches || run.io.signal?.aborted === true) {
        stoppedEarly = true
        break
      }
    }
  }
  if (!stoppedEarly && (batch.length > 0 || pending.length > 0 || offset !== startOffset)) await commit()
  progress?.done()
  return { totals, inputs, lastLine, ms: performance.now() - started, stoppedEarly }
}
