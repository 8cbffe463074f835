#!/usr/bin/env node
/**
 * The `push-registry` executable: wires the process (argv, streams, environment, signals) to
 * `run` and sets the exit code. Everything else is in run.ts, where tests can reach it.
 */
import { run } from './run.js'

const controller = new AbortController()
let signals = 0
const stop = (): void => {
  // A second Ctrl-C means "now": give up the clean shutdown.
  if (++signals > 1) process.exit(130)
  controller.abort()
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)

// A reader that went away (`push-registry export … | head`) is not an error worth a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
})
process.off('SIGINT', stop)
process.off('SIGTERM', stop)
