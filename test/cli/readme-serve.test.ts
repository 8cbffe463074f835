import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * The README's "Serve it" example, run as a newcomer runs it in a fresh clone: the config file
 * its heredoc writes, its first `npm run serve` line (no build step), its `curl` of /healthz,
 * one authenticated route, then Ctrl-C (SIGINT to the process group, as a terminal sends it).
 * Only the port (0: a free one) and the config's folder (a temporary one) differ.
 */
const root = resolve(import.meta.dirname, '..', '..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const section = readme.slice(readme.indexOf('## Serve it'))
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? ''
const config = /<<'JSON'\n([\s\S]*?)\nJSON\n/.exec(block)?.[1] ?? ''
const serveLine = block.split('\n').find((l) => l.startsWith('npm run serve')) ?? ''
const healthz = /curl -s \S+\/healthz\s+# (.*)/.exec(block)?.[1] ?? ''
const dir = mkdtempSync(join(tmpdir(), 'push-registry-readme-'))

afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The README's npm arguments, with the port made free and the config file named. */
const argsOf = (line: string, configPath: string): string[] => {
  const words = line.replace(/#.*$/, '').trim().split(/\s+/).slice(1)
  const port = words.indexOf('--port')
  if (port >= 0) words[port + 1] = '0'
  return [...words, '--config', configPath]
}

describe('README, Serve it', () => {
  it('has the example the test runs: a config heredoc, an npm run serve line and a curl of /healthz', () => {
    expect(JSON.parse(config)).toMatchObject({ apps: [{ appId: 'ios' }] })
    expect(serveLine).toMatch(/^npm run serve -- --port \d+/)
    expect(JSON.parse(healthz)).toEqual({ ok: true })
  })

  it('serves /healthz and the inputs and profile routes from the sources, and stops on Ctrl-C', async () => {
    const configPath = join(dir, 'push-registry.json')
    writeFileSync(configPath, config)
    const secret = Object.values((JSON.parse(config) as { appKeys: Record<string, string> }).appKeys)[0] ?? ''
    const child = spawn('npm', argsOf(serveLine, configPath), { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    const exited = new Promise<void>((done) => child.once('exit', () => done()))
    const listening = new Promise<string>((found, failed) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString()
        const url = /listening on (http:\/\/[^\s]+)/.exec(output)?.[1]
        if (url !== undefined) found(url)
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      void exited.then(() => failed(new Error(`serve exited before listening:\n${output}`)))
    })
    try {
      const url = await listening
      const health = await fetch(`${url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual(JSON.parse(healthz))
      const input = { type: 'session_started', at: '2026-03-01T09:00:00Z', appId: 'ios', deviceId: 'phone-1', userId: 'charlie', token: 'a1'.repeat(16), permission: 'granted' }
      const posted = await fetch(`${url}/v1/inputs`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(input) })
      expect(await posted.json()).toEqual({ accepted: 1, rejected: [], late: 0 })
      const profile = await fetch(`${url}/v1/users/charlie/profile`, { headers: { authorization: `Bearer ${secret}` } })
      expect(profile.status).toBe(200)
      expect(await profile.json()).toMatchObject({ devices: [{ pushRegisteredFor: 'Foreground: MyApp (iOS)' }] })
    } finally {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, 'SIGINT')
      await exited
    }
    expect(output).toMatch(/serve: stopping/)
    expect(output).not.toContain(secret)
  })
})
