/**
 * The exit codes of `push-registry`, one meaning each, so scripts can branch on them.
 * Documented in `--help` and docs/cli.md.
 */
export const exitCodes = {
  /** The command did what it was asked. */
  ok: 0,
  /** A runtime failure: storage down or not migrated, a file that cannot be read or written. */
  failure: 1,
  /** Usage or configuration error: unknown option, missing argument, bad config file. */
  usage: 2,
  /** `ingest` finished, but some lines were rejected (see the rejects file). */
  rejected: 3,
  /** `profile` was asked for a user the registry does not know. */
  notFound: 4,
} as const

/** One of {@link exitCodes}. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes]
