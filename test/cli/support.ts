import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliIo, Output } from '../../adapters/cli/cli-io.js'
import type { ExitCode } from '../../adapters/cli/exit-codes.js'
import { run } from '../../adapters/cli/run.js'

/** An output that keeps what was written and can wait for a line to appear. */
export interface Capture extends Output {
  readonly text: () => string
  /** Resolves with the first match of `pattern` in what was written, as soon as it is written. */
  readonly waitFor: (pattern: RegExp) => Promise<RegExpExecArray>
}

export const capture = (isTTY = false): Capture => {
  let text = ''
  const waiting: { pattern: RegExp; resolve: (m: RegExpExecArray) => void }[] = []
  const check = (): void => {
    for (const w of [...waiting]) {
      const match = w.pattern.exec(text)
      if (match !== null) {
        waiting.splice(waiting.indexOf(w), 1)
        w.resolve(match)
      }
    }
  }
  return {
    isTTY,
    write: (chunk) => {
      text += chunk
      check()
      return true
    },
    text: () => text,
    waitFor: (pattern) =>
      new Promise((resolve) => {
        waiting.push({ pattern, resolve })
        check()
      }),
  }
}

/** What one in-process run printed and answered. */
export interface RunResult {
  readonly code: ExitCode
  readonly stdout: string
  readonly stderr: string
}

/** A temporary working directory with a config file, removed by `dispose`. */
export interface Workspace {
  readonly dir: string
  readonly path: (name: string) => string
  readonly write: (name: string, text: string) => string
  readonly run: (argv: readonly string[], options?: { env?: Record<string, string>; tty?: boolean; signal?: AbortSignal; stderr?: Capture }) => Promise<RunResult>
  readonly dispose: () => void
}

export const apps = [
  { appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' },
  { appId: 'android', name: 'MyApp (Android)', platform: 'android' },
]

/** A workspace whose `push-registry.json` holds `config` (default: two apps, Android tokens expiring after 30 days, one key). */
export const workspace = (config: unknown = { apps, policy: { android: { expireAfter: '30d' } }, keys: { ios: 'ios-key-0123456789abcdef' } }): Workspace => {
  const dir = mkdtempSync(join(tmpdir(), 'push-registry-cli-'))
  const path = (name: string): string => join(dir, name)
  const write = (name: string, text: string): string => {
    writeFileSync(path(name), text)
    return path(name)
  }
  write('push-registry.json', JSON.stringify(config))
  return {
    dir,
    path,
    write,
    run: async (argv, options = {}) => {
      const stdout = capture()
      const stderr = options.stderr ?? capture(options.tty === true)
      const io: CliIo = { stdout, stderr, env: options.env ?? {}, cwd: dir, ...(options.signal === undefined ? {} : { signal: options.signal }) }
      const code = await run(argv, io)
      return { code, stdout: stdout.text(), stderr: stderr.text() }
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}

export const apnsToken = (n: number): string => n.toString(16).padStart(2, '0').repeat(32)
export const fcmToken = (n: number): string => `fcm-${n}:APA91b${'x'.repeat(40)}${n}`

/** `session_started` on `ios` for device `d<n>` and user `u<n>`. */
export const iosSession = (n: number, at = '2026-01-01T00:00:00Z'): Record<string, unknown> => ({
  type: 'session_started',
  at,
  appId: 'ios',
  deviceId: `d${n}`,
  userId: `u${n}`,
  token: apnsToken(n),
  permission: 'granted',
})

export const androidSession = (n: number, at = '2026-01-01T00:00:00Z'): Record<string, unknown> => ({
  type: 'session_started',
  at,
  appId: 'android',
  deviceId: `a${n}`,
  userId: `u${n}`,
  token: fcmToken(n),
  permission: 'granted',
  osVersion: '14',
})

export const jsonl = (lines: readonly unknown[]): string => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n'

export const parseNdjson = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown)
