import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import { usageError } from './cli-error.js'

type OptionSpecs = NonNullable<ParseArgsConfig['options']>

/** Options every command that opens a registry takes. */
export const registryOptions = {
  config: { type: 'string' },
  db: { type: 'string' },
  data: { type: 'string' },
  schema: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs

/** The options of a query command: the registry's and the query clock. */
export const queryOptions = { ...registryOptions, now: { type: 'string' } } as const satisfies OptionSpecs

/**
 * `parseArgs` in strict mode, its errors turned into usage errors (exit code 2) that name the
 * command. The values' types follow from `options`, as with `parseArgs` itself.
 */
export const parseOptions = <O extends OptionSpecs>(command: string, args: readonly string[], options: O) => {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw usageError(`${command}: ${message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '')} (see push-registry ${command} --help)`)
  }
}

/** A positive integer option, or a usage error naming it. */
export const integerOption = (command: string, name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
  if (raw === undefined) return fallback
  const value = Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < min || value > max) {
    throw usageError(`${command}: --${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`)
  }
  return value
}

/** A number of seconds, fractions allowed (`0.5`), from 0 to `max`, or a usage error naming the option. */
export const secondsOption = (command: string, name: string, raw: string | undefined, fallback: number, max: number): number => {
  if (raw === undefined) return fallback
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN
  if (!(value >= 0 && value <= max)) throw usageError(`${command}: --${name} must be a number of seconds from 0 to ${max} (got ${JSON.stringify(raw)})`)
  return value
}

/** `--now`: an ISO-8601 time, or the system time when absent. */
export const nowOption = (command: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined
  const at = Date.parse(raw)
  if (!Number.isFinite(at) || !/^\d{4}-\d{2}-\d{2}/.test(raw)) {
    throw usageError(`${command}: --now must be an ISO-8601 time such as 2026-11-23T00:00:00Z (got ${JSON.stringify(raw)})`)
  }
  return at
}

/** Refuses positional arguments a command does not take. */
export const expectPositionals = (command: string, positionals: readonly string[], names: readonly string[]): void => {
  if (positionals.length !== names.length) {
    const wanted = names.length === 0 ? 'no arguments' : names.map((n) => `<${n}>`).join(' ')
    throw usageError(`${command}: expects ${wanted} (got ${positionals.length}); see push-registry ${command} --help`)
  }
}
