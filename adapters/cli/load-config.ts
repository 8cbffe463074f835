import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { AppConfig, Issue, PolicyOptions } from 'push-registry'
import { createRegistry, RegistryConfigError } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import type { ApiKeys, UiOptions } from 'push-registry/http'
import { usageError } from './cli-error.js'
import type { CliIo } from './cli-io.js'

/** The config file, checked: what `createRegistry` and `createHttpHandler` are given. */
export interface CliConfig {
  /** The file it came from, as resolved. */
  readonly path: string
  readonly apps: readonly AppConfig[]
  readonly policy: Readonly<Record<string, PolicyOptions>>
  /** Secret → the apps it may write for, as `createHttpHandler` takes them. */
  readonly keys: ApiKeys
  /** The profile page's operators and session secret, for `serve`; absent: no page. */
  readonly ui?: UiOptions
}

// `keys` is the former name of `appKeys`, still read: it named the opposite shape of the
// handler's `keys` (secret → apps), so the file's field got a name of its own.
const topLevel = ['$schema', 'apps', 'policy', 'appKeys', 'keys', 'ui']

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u)

const describe = (file: string, issues: readonly Issue[]): string =>
  [`config ${file} is not valid:`, ...issues.map((i) => `  ${i.path} (${i.rule}) ${i.message}`)].join('\n')

/**
 * The core's own check of apps and policy: `createRegistry` decodes them before it touches the
 * storage, so a throwaway memory store is enough to get its issues, field paths and rules.
 * (The codec `decodeConfig` is not exported by `push-registry`.)
 */
const coreIssues = (apps: unknown, policy: unknown): readonly Issue[] => {
  try {
    createRegistry({ apps: apps as AppConfig[], policy: policy as Record<string, PolicyOptions>, storage: createMemoryStorage() })
    return []
  } catch (error) {
    if (error instanceof RegistryConfigError) return error.issues
    throw error
  }
}

/** `appKeys: { appId: secret }` turned around into the handler's `keys`, secrets shared by several apps merged; values never echoed (S2). */
const keysOf = (raw: unknown, where: string, apps: readonly string[]): { keys: ApiKeys; issues: Issue[] } => {
  if (raw === undefined) return { keys: {}, issues: [] }
  if (!isRecord(raw)) return { keys: {}, issues: [{ path: where, rule: 'S3', message: 'must be an object { "<appId>": "<secret>" }' }] }
  const issues: Issue[] = []
  const keys: Record<string, string[]> = {}
  for (const [appId, secret] of Object.entries(raw)) {
    if (!apps.includes(appId)) issues.push({ path: `${where}.${appId}`, rule: 'R4', message: 'names an app that is not configured' })
    else if (typeof secret !== 'string' || secret.length < 16 || /\s/.test(secret)) {
      issues.push({ path: `${where}.${appId}`, rule: 'S3', message: 'must be a secret of at least 16 characters, without spaces' })
    } else (keys[secret] ??= []).push(appId)
  }
  return { keys, issues }
}

/**
 * `ui: { operators: { name: secret }, sessionSecret, sessionTtlSeconds? }`, checked for shape
 * here; `createHttpHandler` checks the strength of the secrets when `serve` builds it.
 */
const uiOf = (raw: unknown, where: string): { ui?: UiOptions; issues: Issue[] } => {
  if (raw === undefined) return { issues: [] }
  if (!isRecord(raw) || !isRecord(raw['operators'])) {
    return { issues: [{ path: where, rule: 'S3', message: 'must be an object { "operators": { "<name>": "<secret>" }, "sessionSecret": "<secret>" }' }] }
  }
  return { ui: raw as unknown as UiOptions, issues: [] }
}

/**
 * Reads and checks the config file named by `--config`, env `PUSH_REGISTRY_CONFIG`, or
 * `./push-registry.json`; API keys from env `PUSH_REGISTRY_KEYS` and the profile page's options
 * from env `PUSH_REGISTRY_UI` (the same JSON shapes) replace the file's.
 *
 * @throws CliError (exit code 2) naming the file, and each field's path and rule.
 */
export const loadConfig = async (io: CliIo, option: string | undefined): Promise<CliConfig> => {
  const path = resolve(io.cwd, option ?? io.env['PUSH_REGISTRY_CONFIG'] ?? 'push-registry.json')
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw usageError(code === 'ENOENT' ? `config ${path} not found (give one with --config PATH; see docs/cli.md for its shape)` : `config ${path} cannot be read (${code ?? 'error'})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw usageError(`config ${path} is not valid JSON`)
  }
  if (!isRecord(raw)) throw usageError(describe(path, [{ path: '(root)', rule: 'S3', message: 'must be an object { apps, policy?, appKeys?, ui? }' }]))
  const issues: Issue[] = Object.keys(raw)
    .filter((k) => !topLevel.includes(k))
    .map((k) => ({ path: k, rule: 'S3', message: 'is not a known option (apps, policy, appKeys, ui)' }))
  issues.push(...coreIssues(raw['apps'], raw['policy']))
  const appIds = Array.isArray(raw['apps']) ? raw['apps'].flatMap((a: unknown) => (isRecord(a) && typeof a['appId'] === 'string' ? [a['appId']] : [])) : []
  const envKeys = io.env['PUSH_REGISTRY_KEYS']
  let keys: { keys: ApiKeys; issues: Issue[] }
  if (envKeys !== undefined && envKeys !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(envKeys)
    } catch {
      parsed = null
    }
    keys = keysOf(parsed, 'env PUSH_REGISTRY_KEYS', appIds)
  } else if (raw['appKeys'] !== undefined && raw['keys'] !== undefined) {
    keys = { keys: {}, issues: [{ path: 'keys', rule: 'S3', message: 'is the former name of appKeys: give only appKeys' }] }
  } else keys = raw['appKeys'] !== undefined ? keysOf(raw['appKeys'], 'appKeys', appIds) : keysOf(raw['keys'], 'keys', appIds)
  issues.push(...keys.issues)
  const envUi = io.env['PUSH_REGISTRY_UI']
  let parsedUi: unknown = raw['ui']
  if (envUi !== undefined && envUi !== '') {
    try {
      parsedUi = JSON.parse(envUi)
    } catch {
      parsedUi = null
    }
  }
  const ui = uiOf(parsedUi, envUi !== undefined && envUi !== '' ? 'env PUSH_REGISTRY_UI' : 'ui')
  issues.push(...ui.issues)
  if (issues.length > 0) throw usageError(describe(path, issues))
  return {
    path,
    apps: raw['apps'] as AppConfig[],
    policy: (raw['policy'] ?? {}) as Record<string, PolicyOptions>,
    keys: keys.keys,
    ...(ui.ui === undefined ? {} : { ui: ui.ui }),
  }
}
