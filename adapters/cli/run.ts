import { ContentionError, StorageError } from 'push-registry'
import { CliError } from './cli-error.js'
import type { CliIo } from './cli-io.js'
import { say } from './cli-io.js'
import { eraseCommand } from './commands/erase.js'
import { exportCommand } from './commands/export.js'
import { ingestCommand } from './commands/ingest.js'
import { migrateCommand } from './commands/migrate.js'
import { profileCommand } from './commands/profile.js'
import { purgeCommand } from './commands/purge.js'
import { serveCommand } from './commands/serve.js'
import type { ExitCode } from './exit-codes.js'
import { exitCodes } from './exit-codes.js'
import { helpTexts } from './help.js'

type Command = (args: readonly string[], io: CliIo) => Promise<ExitCode>

const commands: Readonly<Record<string, Command>> = {
  ingest: ingestCommand,
  export: exportCommand,
  profile: profileCommand,
  erase: eraseCommand,
  purge: purgeCommand,
  migrate: migrateCommand,
  serve: serveCommand,
}

const wantsHelp = (args: readonly string[]): boolean => {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

/** The error's message without its stack: for the operator, not for a debugger. */
const explain = (io: CliIo, error: unknown): ExitCode => {
  if (error instanceof CliError) {
    say(io, `push-registry: ${error.message}`)
    return error.exitCode
  }
  if (error instanceof StorageError || error instanceof ContentionError) {
    say(io, `push-registry: ${error.message}`)
    return exitCodes.failure
  }
  say(io, `push-registry: unexpected error: ${error instanceof Error ? error.message : String(error)}`)
  if (io.env['PUSH_REGISTRY_DEBUG'] === '1' && error instanceof Error && error.stack !== undefined) say(io, error.stack)
  return exitCodes.failure
}

/**
 * Runs one `push-registry` command line and resolves its exit code; never rejects. Everything
 * it touches of its process comes through `io`, so tests run it in-process.
 *
 * @example
 * ```ts
 * const code = await run(['ingest', 'inputs.jsonl', '--data', './registry'], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() })
 * ```
 */
export const run = async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? (args[0] ?? '') : ''
    const text = helpTexts[topic]
    if (text === undefined) {
      say(io, `push-registry: unknown command ${JSON.stringify(topic)}\n\n${helpTexts['']}`)
      return exitCodes.usage
    }
    io.stdout.write(text)
    // Bare `push-registry` is a usage error that shows the help; asking for it is not.
    return name === undefined ? exitCodes.usage : exitCodes.ok
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${await version()}\n`)
    return exitCodes.ok
  }
  const command = commands[name]
  if (command === undefined) {
    say(io, `push-registry: unknown command ${JSON.stringify(name)}; commands: ${Object.keys(commands).join(', ')} (push-registry --help)`)
    return exitCodes.usage
  }
  if (wantsHelp(args)) {
    io.stdout.write(helpTexts[name] ?? '')
    return exitCodes.ok
  }
  try {
    return await command(args, io)
  } catch (error) {
    return explain(io, error)
  }
}

/** The package's version: package.json sits two levels up from both adapters/cli/ and dist/cli/. */
const version = async (): Promise<string> => {
  try {
    const { readFile } = await import('node:fs/promises')
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof manifest.version === 'string' ? manifest.version : 'unknown'
  } catch {
    return 'unknown'
  }
}
