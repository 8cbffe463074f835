import { profileToJson } from 'push-registry'
import type { CliIo } from '../cli-io.js'
import { say, writeAndDrain } from '../cli-io.js'
import type { ExitCode } from '../exit-codes.js'
import { exitCodes } from '../exit-codes.js'
import { withRegistry } from '../open-registry.js'
import { expectPositionals, nowOption, parseOptions, queryOptions } from '../parse-options.js'

/** `push-registry profile <userId>`: the R25 profile as JSON on stdout; exit code 4 for an unknown user. */
export const profileCommand = async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { values, positionals } = parseOptions('profile', args, queryOptions)
  expectPositionals('profile', positionals, ['userId'])
  const userId = positionals[0] as string
  const now = nowOption('profile', values.now)
  return withRegistry(io, values, now, async ({ registry }) => {
    const profile = await registry.profile(userId)
    if (profile === null) {
      say(io, `profile: no user ${JSON.stringify(userId)} is known`)
      return exitCodes.notFound
    }
    await writeAndDrain(io.stdout, `${JSON.stringify(profileToJson(profile), null, 2)}\n`)
    return exitCodes.ok
  })
}
