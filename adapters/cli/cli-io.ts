/** Where a command writes: `process.stdout` / `process.stderr`, or a test's collector. */
export interface Output {
  /** Writes text; `false` asks the writer to wait for `drain` before writing more. */
  readonly write: (text: string) => boolean
  /** Whether a terminal is attached: the progress bar redraws one line only then. */
  readonly isTTY?: boolean
  /** Registers a one-shot listener; used to honour back-pressure on `drain`. */
  readonly once?: (event: 'drain', listener: () => void) => unknown
}

/** Everything a command may touch of its process, so that tests can run it in-process. */
export interface CliIo {
  readonly stdout: Output
  readonly stderr: Output
  /** Environment variables (`PUSH_REGISTRY_DB`, `PUSH_REGISTRY_DATA`, …). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Relative paths (config, input file, data directory) are resolved against it. */
  readonly cwd: string
  /** Aborted to stop a long-running command (`serve`): `main.ts` aborts it on SIGINT/SIGTERM. */
  readonly signal?: AbortSignal
}

/** Writes text and waits for `drain` when the writer asks to, so a slow reader slows the export instead of growing a buffer. */
export const writeAndDrain = async (out: Output, text: string): Promise<void> => {
  if (out.write(text) || out.once === undefined) return
  const once = out.once
  await new Promise<void>((resolve) => {
    once('drain', resolve)
  })
}

/** Writes one line to stderr. */
export const say = (io: CliIo, line: string): void => {
  io.stderr.write(`${line}\n`)
}
