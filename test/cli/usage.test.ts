import { afterEach, describe, expect, it } from 'vitest'
import type { Workspace } from './support.js'
import { workspace } from './support.js'

const commands = ['ingest', 'export', 'profile', 'erase', 'purge', 'migrate', 'serve']

let ws: Workspace
afterEach(() => ws.dispose())

describe('push-registry usage', () => {
  it('prints the help and the exit codes with --help, exit 0', async () => {
    ws = workspace()
    const result = await ws.run(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Usage: push-registry <command>')
    for (const command of commands) expect(result.stdout).toContain(command)
    expect(result.stdout).toMatch(/Exit codes:[\s\S]*3 {2}ingest finished with rejected lines/)
  })

  it.each(commands)('%s --help explains the command and its exit codes, exit 0', async (command) => {
    ws = workspace()
    const result = await ws.run([command, '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Usage: push-registry ${command}`)
    expect(result.stdout).toContain('Exit codes:')
    expect(await ws.run(['help', command])).toMatchObject({ code: 0, stdout: result.stdout })
    expect(await ws.run([command, '-h'])).toMatchObject({ code: 0, stdout: result.stdout })
  })

  it('says the memory default does not persist', async () => {
    ws = workspace()
    expect((await ws.run(['ingest', '--help'])).stdout).toMatch(/nothing persists/)
  })

  it('I8: serve --help says a key reads only its app, names appKeys, and tells how to mount the profile page', async () => {
    ws = workspace()
    const help = (await ws.run(['serve', '--help'])).stdout
    expect(help).not.toMatch(/any key may read/)
    expect(help).toMatch(/reads only that app's/)
    expect(help).toContain('"appKeys": { "<appId>": "<secret>" }')
    expect(help).toMatch(/"ui": \{ "operators"[\s\S]*\/ui/)
  })

  it('a bare push-registry shows the help with exit 2', async () => {
    ws = workspace()
    const result = await ws.run([])
    expect(result.code).toBe(2)
    expect(result.stdout).toContain('Usage: push-registry <command>')
  })

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['ingest'], /ingest: expects <file\.jsonl>/],
    [['ingest', 'a.jsonl', 'b.jsonl'], /expects <file\.jsonl> \(got 2\)/],
    [['ingest', 'a.jsonl', '--bogus'], /Unknown option '--bogus'/],
    [['ingest', 'a.jsonl', '--batch-size', '0'], /--batch-size must be an integer from 1 to 10000/],
    [['ingest', 'a.jsonl', '--batch-size', '20000'], /--batch-size must be an integer from 1 to 10000/],
    [['export'], /give --user ID \(repeatable\) or --segment NAME/],
    [['export', '--user', 'kim', '--segment', 'foregroundPushEnabled'], /one of the two/],
    [['export', '--segment', 'everyone'], /\(R24\) is not a known segment/],
    [['export', '--segment', 'foregroundPushEnabledForApp:'], /\(R21\) names no app/],
    [['export', '--user', 'kim', '--now', 'yesterday'], /--now must be an ISO-8601 time/],
    [['profile'], /profile: expects <userId>/],
    [['purge', 'extra'], /purge: expects no arguments/],
    [['purge', '--now', '2026-13-45'], /--now must be an ISO-8601 time/],
    [['migrate'], /migrate: give --db URL or --data DIR/],
    [['migrate', '--db', 'mysql://x'], /--db must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [['purge', '--db', 'postgres://x/y', '--data', 'dir'], /give --db or --data, not both/],
    [['purge', '--data', 'dir', '--schema', 'Bad-Name'], /--schema must be a lowercase identifier/],
    [['serve', '--port', '70000'], /--port must be an integer from 0 to 65535/],
  ])('%j is a usage error: exit 2, a one-line reason, no stack', async (argv, reason) => {
    ws = workspace()
    const result = await ws.run(argv)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(reason)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('masks the password of a --db URL in its messages', async () => {
    ws = workspace()
    const result = await ws.run(['migrate', '--db', 'mysql://admin:hunter2@db/x'])
    expect(result.code).toBe(2)
    expect(result.stderr).not.toContain('hunter2')
  })

  it('reads PUSH_REGISTRY_DB and PUSH_REGISTRY_DATA, and refuses both at once', async () => {
    ws = workspace()
    const result = await ws.run(['purge'], { env: { PUSH_REGISTRY_DB: 'postgres://x/y', PUSH_REGISTRY_DATA: 'dir' } })
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/not both/)
  })
})
