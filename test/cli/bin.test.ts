import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Workspace } from './support.js'
import { iosSession, jsonl, workspace } from './support.js'

const root = resolve(import.meta.dirname, '../..')
const main = resolve(root, 'adapters/cli/main.ts')

/** The real entry point in a child process, through tsx (the built bin runs the same module). */
const bin = (args: readonly string[], cwd: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
    cwd,
    encoding: 'utf8',
    // tsx resolves `push-registry` through the repo's tsconfig paths, as the build does through `exports`.
    env: { ...process.env, TSX_TSCONFIG_PATH: resolve(root, 'tsconfig.json') },
  })

let ws: Workspace | undefined
afterEach(() => ws?.dispose())

describe('the push-registry executable', () => {
  it('starts with a node shebang, for the package bin', () => {
    expect(readFileSync(main, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
  })

  it('prints its help and exits 0', () => {
    const child = bin(['--help'], root)
    expect(child.status).toBe(0)
    expect(child.stdout).toContain('Usage: push-registry <command>')
  })

  it('sets the process exit code: 3 for an ingest with rejected lines, 2 for a bad config, without a stack', () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), 'nope']))
    const ingest = bin(['ingest', ws.path('in.jsonl'), '--config', ws.path('push-registry.json'), '--quiet'], root)
    expect(ingest.stderr).toMatch(/1 accepted, 1 rejected/)
    expect(ingest.status).toBe(3)
    ws.write('bad.json', JSON.stringify({ apps: [{ appId: 'ios', platform: 'ios' }] }))
    const config = bin(['purge', '--config', ws.path('bad.json')], root)
    expect(config.status).toBe(2)
    expect(config.stderr).toMatch(/apps\[0\]\.name \(S3\)/)
    expect(config.stderr).not.toMatch(/\n\s+at /)
  })
})
