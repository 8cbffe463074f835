import type { Output } from './cli-io.js'

/** Where an ingest stands, as the progress display shows it. */
export interface IngestProgress {
  /** Lines read in this run (blank ones included). */
  readonly lines: number
  /** Inputs (non-blank lines) handled in this run, applied or rejected. */
  readonly inputs: number
  /** Inputs applied and rejected, over the whole file (earlier runs included). */
  readonly accepted: number
  readonly rejected: number
  /** Byte offset reached in the file. */
  readonly offset: number
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  readonly out: Output
  /** File size in bytes, for the percentage and the ETA. */
  readonly totalBytes: number
  /** Offset the run started at (a resumed run does not count earlier bytes in its rate). */
  readonly startOffset: number
  /** Milliseconds; `performance.now` unless a test gives another. */
  readonly now?: () => number
  /** Minimum time between two plain lines when the output is not a terminal. Default 5 s. */
  readonly plainEveryMs?: number
}

/** A progress display: `update` as batches commit; `done` clears the terminal line. */
export interface Progress {
  readonly update: (state: IngestProgress) => void
  readonly done: () => void
}

const barWidth = 24
const ttyEveryMs = 100

const count = (n: number): string => Math.round(n).toLocaleString('en-US')

const duration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0')
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

/**
 * The ingest's progress on stderr: on a terminal, one line redrawn in place (`\r`) at most ten
 * times a second; otherwise (CI logs, a file) a plain line every few seconds, so logs stay
 * readable. Shows lines, inputs per second, rejected, % of bytes and the ETA.
 */
export const createProgress = (options: ProgressOptions): Progress => {
  const now = options.now ?? (() => performance.now())
  const tty = options.out.isTTY === true
  const every = tty ? ttyEveryMs : (options.plainEveryMs ?? 5000)
  const started = now()
  let last = -Infinity
  let drawn = false

  const text = (state: IngestProgress, at: number): string => {
    const seconds = Math.max((at - started) / 1000, 1e-3)
    const fraction = options.totalBytes === 0 ? 1 : Math.min(1, state.offset / options.totalBytes)
    const bytesPerSecond = (state.offset - options.startOffset) / seconds
    const eta = bytesPerSecond > 0 ? (options.totalBytes - state.offset) / bytesPerSecond : Infinity
    const percent = `${(fraction * 100).toFixed(1)}%`
    const fields = `${percent.padStart(6)} ${count(state.lines)} lines  ${count(state.inputs / seconds)} inputs/s  rejected ${count(state.rejected)}  ETA ${duration(eta)}`
    if (!tty) return `ingest: ${fields.trim()}`
    const filled = Math.round(fraction * barWidth)
    return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${fields}`
  }

  return {
    update: (state) => {
      const at = now()
      if (at - last < every) return
      last = at
      if (tty) {
        options.out.write(`\r${text(state, at)}\u001b[K`)
        drawn = true
      } else options.out.write(`${text(state, at)}\n`)
    },
    done: () => {
      if (drawn) options.out.write('\r\u001b[K')
    },
  }
}
