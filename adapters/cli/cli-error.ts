import type { ExitCode } from './exit-codes.js'
import { exitCodes } from './exit-codes.js'

/**
 * A failure the command line explains in one message and an exit code, without a stack trace:
 * the operator did something the command cannot work with, or the environment is not ready.
 * Messages never hold a token or a password (S2).
 */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message)
  }
}

/** A usage or configuration error (exit code 2). */
export const usageError = (message: string): CliError => new CliError(exitCodes.usage, message)

/** A runtime failure (exit code 1). */
export const failure = (message: string): CliError => new CliError(exitCodes.failure, message)
