import type { UserExport } from 'push-registry'
import { parseSegment } from 'push-registry'
import { usageError } from '../cli-error.js'
import type { CliIo } from '../cli-io.js'
import { say, writeAndDrain } from '../cli-io.js'
import type { ExitCode } from '../exit-codes.js'
import { exitCodes } from '../exit-codes.js'
import { withRegistry } from '../open-registry.js'
import { expectPositionals, nowOption, parseOptions, queryOptions } from '../parse-options.js'

const options = {
  ...queryOptions,
  user: { type: 'string', multiple: true },
  segment: { type: 'string' },
} as const

/** Users exported per registry call: bounds memory whatever the number of ids given. */
const idsPerCall = 1000

/** `push-registry export --user ID… | --segment NAME`: R26 exports as NDJSON on stdout, streamed. */
export const exportCommand = async (args: readonly string[], io: CliIo): Promise<ExitCode> => {
  const { values, positionals } = parseOptions('export', args, options)
  expectPositionals('export', positionals, [])
  const users = values.user ?? []
  if ((users.length > 0) === (values.segment !== undefined)) throw usageError('export: give --user ID (repeatable) or --segment NAME, one of the two')
  const segment = values.segment === undefined ? null : parseSegment(values.segment)
  if (segment !== null && segment._tag === 'Left') {
    throw usageError(`export: --segment ${JSON.stringify(values.segment)} (${segment.left.rule}) ${segment.left.message}`)
  }
  const now = nowOption('export', values.now)
  return withRegistry(io, values, now, async ({ registry }) => {
    let written = 0
    const emit = async (e: UserExport): Promise<void> => {
      await writeAndDrain(io.stdout, `${JSON.stringify(e)}\n`)
      written++
    }
    if (segment !== null && segment._tag === 'Right') {
      for await (const e of registry.exportSegment(segment.right)) await emit(e)
      say(io, `export: ${written.toLocaleString('en-US')} users in ${values.segment as string}`)
    } else {
      const unique = [...new Set(users)]
      for (let i = 0; i < unique.length; i += idsPerCall) {
        for (const e of await registry.exportUsers(unique.slice(i, i + idsPerCall))) await emit(e)
      }
      const unknown = unique.length - written
      say(io, `export: ${written.toLocaleString('en-US')} users${unknown > 0 ? `, ${unknown.toLocaleString('en-US')} unknown id(s) left out` : ''}`)
    }
    return exitCodes.ok
  })
}
