import type { CliIo } from '../cli-io.js'
import { say, writeAndDrain } from '../cli-io.js'
import type { ExitCode } from '../exit-codes.js'
import { exitCodes } from '../exit-codes.js'
import { withRegistry } from '../open-registry.js'
import { expectPositionals, nowOption, parseOptions, queryOptions } from '../parse-options.js'

/**
 * `push-registry erase <userId>`: `registry.erase`, the user's personal data removed
 * everywhere. Writes `{ external_id, erased, registrations, contacts }` on stdout; exit code 4
 * when nothing of the user was known (never known, or already erased). Run it again after an
 * interruption: it resumes.
 */
export const eraseCommand = async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { values, positionals } = parseOptions('erase', args, queryOptions)
  expectPositionals('erase', positionals, ['userId'])
  const userId = positionals[0] as string
  const now = nowOption('erase', values.now)
  return withRegistry(io, values, now, async ({ registry }) => {
    const report = await registry.erase(userId)
    if (!report.erased) {
      say(io, `erase: no user ${JSON.stringify(userId)} is known (never seen, or already erased): nothing changed`)
      return exitCodes.notFound
    }
    await writeAndDrain(io.stdout, `${JSON.stringify({ external_id: userId, ...report })}\n`)
    say(io, `erase: ${JSON.stringify(userId)} removed from ${report.registrations} registration(s) and ${report.contacts} contact address(es)`)
    return exitCodes.ok
  })
}
