import { usageError } from '../cli-error.js'
import type { CliIo } from '../cli-io.js'
import { say, writeAndDrain } from '../cli-io.js'
import type { ExitCode } from '../exit-codes.js'
import { exitCodes } from '../exit-codes.js'
import { chooseStore, describeStore, openDriver, unreachable } from '../open-store.js'
import { expectPositionals, parseOptions } from '../parse-options.js'

const options = {
  db: { type: 'string' },
  data: { type: 'string' },
  schema: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

/** `push-registry migrate --db URL | --data DIR`: brings the schema up to date; idempotent; prints the applied versions. */
export const migrateCommand = async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { values, positionals } = parseOptions('migrate', args, options)
  expectPositionals('migrate', positionals, [])
  const choice = chooseStore(io, values)
  if (choice.kind === 'memory') throw usageError('migrate: give --db URL or --data DIR (the memory store has no schema)')
  const driver = await openDriver(choice, (line) => say(io, `migrate: ${line}`))
  try {
    const { migrate, migrations } = await import('push-registry/postgres')
    let applied: string[]
    try {
      applied = (await migrate(driver, { schema: choice.schema })).applied
    } catch (error) {
      throw unreachable(choice, error)
    }
    for (const version of applied) {
      const name = migrations.find((m) => m.version === version)?.name ?? ''
      await writeAndDrain(io.stdout, `applied ${version} ${name}\n`)
    }
    say(io, applied.length === 0 ? `migrate: ${describeStore(choice)} is up to date` : `migrate: applied ${applied.length} migration(s) to ${describeStore(choice)}`)
    return exitCodes.ok
  } finally {
    await driver.close()
  }
}
