import { redact } from 'push-registry'
import type { CliIo } from '../cli-io.js'
import { say, writeAndDrain } from '../cli-io.js'
import type { ExitCode } from '../exit-codes.js'
import { exitCodes } from '../exit-codes.js'
import { withRegistry } from '../open-registry.js'
import { expectPositionals, nowOption, parseOptions, queryOptions } from '../parse-options.js'

/**
 * `push-registry purge [--now ISO]`: the R19 sweep. Lists the registrations whose token is
 * expired at `now` (tokens redacted, S2) and counts them per app. Expiry is already applied
 * at query time (D7); deleting expired records (compaction) is not implemented by the core yet,
 * so this lists and changes nothing.
 */
export const purgeCommand = async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { values, positionals } = parseOptions('purge', args, queryOptions)
  expectPositionals('purge', positionals, [])
  const now = nowOption('purge', values.now) ?? Date.now()
  return withRegistry(io, values, now, async ({ registry }) => {
    const perApp = new Map<string, number>(registry.apps.map((app) => [app.appId, 0]))
    for await (const r of registry.registrations()) {
      if (r.status !== 'expired' || r.token === null) continue
      perApp.set(r.appId, (perApp.get(r.appId) ?? 0) + 1)
      await writeAndDrain(io.stdout, `${JSON.stringify({ appId: r.appId, deviceId: r.deviceId, token: redact(r.token), owners: r.owners, status: r.status })}\n`)
    }
    const total = [...perApp.values()].reduce((a, b) => a + b, 0)
    say(io, `purge at ${new Date(now).toISOString()}: ${total.toLocaleString('en-US')} expired registration(s)`)
    for (const [appId, n] of perApp) say(io, `  ${appId}: ${n.toLocaleString('en-US')}`)
    const { pruned } = await registry.pruneChanges()
    say(io, `purge: ${pruned.toLocaleString('en-US')} change(s) older than the feed's retention removed (D14)`)
    say(io, 'purge: expired registrations are kept (expired tokens are already never targeted, D7)')
    return exitCodes.ok
  })
}
