import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Workspace } from './support.js'
import { capture, iosSession, workspace } from './support.js'

let ws: Workspace
afterEach(() => ws.dispose())

const key = 'ios-key-0123456789abcdef'

describe('push-registry serve', () => {
  it('serves /healthz and the inputs route on 127.0.0.1, and closes cleanly when aborted (exit 0)', async () => {
    ws = workspace()
    const stop = new AbortController()
    const stderr = capture()
    const running = ws.run(['serve', '--port', '0'], { signal: stop.signal, stderr })
    const [, url] = await stderr.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+) \(memory \(not persisted\)\)/)
    try {
      const health = await fetch(`${url as string}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ ok: true })
      const anonymous = await fetch(`${url as string}/v1/inputs`, { method: 'POST', body: JSON.stringify(iosSession(1)) })
      expect(anonymous.status).toBe(401)
      const posted = await fetch(`${url as string}/v1/inputs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify([iosSession(1), iosSession(2)]),
      })
      expect(posted.status).toBe(200)
      expect(await posted.json()).toMatchObject({ accepted: 2, rejected: [] })
    } finally {
      stop.abort()
    }
    const result = await running
    expect(result.code).toBe(0)
    // One log line per request, without bodies, keys or tokens (S2).
    expect(result.stderr).toMatch(/GET \/healthz 200 \d+ms/)
    expect(result.stderr).toMatch(/POST \/v1\/inputs 401/)
    expect(result.stderr).not.toContain(key)
    expect(result.stderr).toMatch(/serve: stopping/)
  })

  it('takes API keys from PUSH_REGISTRY_KEYS, and --quiet drops the request log', async () => {
    ws = workspace({ apps: [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }] })
    const stop = new AbortController()
    const stderr = capture()
    const running = ws.run(['serve', '--port', '0', '--quiet'], { signal: stop.signal, stderr, env: { PUSH_REGISTRY_KEYS: JSON.stringify({ ios: 'env-key-0123456789abcdef' }) } })
    const [, url] = await stderr.waitFor(/listening on (http:\/\/[^ ]+)/)
    try {
      const posted = await fetch(`${url as string}/v1/inputs`, { method: 'POST', headers: { authorization: 'Bearer env-key-0123456789abcdef', 'content-type': 'application/json' }, body: JSON.stringify(iosSession(3)) })
      expect(posted.status).toBe(200)
    } finally {
      stop.abort()
    }
    const result = await running
    expect(result.code).toBe(0)
    expect(result.stderr).not.toMatch(/POST \/v1\/inputs/)
  })

  it('mounts the profile page when the config names operators, and refuses weak page secrets (exit 2) without echoing them', async () => {
    const apps = [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }]
    const ui = { operators: { ana: 'an-operator-secret-0123' }, sessionSecret: 'a-session-secret-of-at-least-32-characters' }
    ws = workspace({ apps, keys: { ios: key }, ui })
    const stop = new AbortController()
    const stderr = capture()
    const running = ws.run(['serve', '--port', '0'], { signal: stop.signal, stderr })
    const [, url] = await stderr.waitFor(/profile page at (http:\/\/127\.0\.0\.1:\d+)\/ui/)
    try {
      const page = await fetch(`${url as string}/ui/sign-in`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('<form')
    } finally {
      stop.abort()
    }
    expect((await running).code).toBe(0)

    ws.dispose()
    ws = workspace({ apps, keys: { ios: key }, ui: { ...ui, sessionSecret: 'too-short-secret' } })
    const weak = await ws.run(['serve', '--port', '0'])
    expect(weak.code).toBe(2)
    expect(weak.stderr).toMatch(/ui\.sessionSecret \(S3\) holds at least 32 characters/)
    expect(weak.stderr).not.toContain('too-short-secret')

    ws.dispose()
    ws = workspace({ apps, keys: { ios: key }, ui: { operators: 'ana' } })
    const malformed = await ws.run(['serve', '--port', '0'])
    expect(malformed.code).toBe(2)
    expect(malformed.stderr).toMatch(/ui \(S3\) must be an object/)
  })

  it('HTTP: on stop, a client trickling its body is given the configured grace period, then its connection is closed (exit 0)', async () => {
    ws = workspace()
    const stop = new AbortController()
    const stderr = capture()
    const running = ws.run(['serve', '--port', '0', '--grace-period', '0.2'], { signal: stop.signal, stderr })
    const [, port] = await stderr.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/)
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => undefined)
    let trickle: NodeJS.Timeout | undefined
    try {
      socket.write(`POST /v1/inputs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\nexpect: 100-continue\r\n\r\n`)
      // "100 Continue": the server holds the request and reads its body, one byte now and then.
      await new Promise<void>((resolve) => socket.once('data', () => resolve()))
      trickle = setInterval(() => socket.write(' '), 20)
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      stop.abort()
      const result = await running
      await ended
      expect(result.code).toBe(0)
      expect(result.stderr).toMatch(/serve: 1 connection\(s\) still open after the 0\.2 s grace period: closing them/)
      // The request cut off by the stop is settled before the storage closes, and is not a server error.
      expect(result.stderr).toMatch(/POST \/v1\/inputs 499 \d+ms \(connection closed mid-request\)/)
      expect(result.stderr).not.toMatch(/ 500 /)
    } finally {
      clearInterval(trickle)
      socket.destroy()
    }
  })

  it('HTTP: on stop, a request in flight that ends within the grace period gets its answer', async () => {
    ws = workspace()
    const stop = new AbortController()
    const stderr = capture()
    const running = ws.run(['serve', '--port', '0', '--grace-period', '30'], { signal: stop.signal, stderr })
    const [, port] = await stderr.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/)
    const body = JSON.stringify([iosSession(1)])
    const socket = connect(Number(port), '127.0.0.1')
    socket.on('error', () => undefined)
    socket.setEncoding('utf8')
    socket.write(`POST /v1/inputs HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nexpect: 100-continue\r\n\r\n`)
    await new Promise<void>((resolve) => socket.once('data', () => resolve()))
    stop.abort()
    await stderr.waitFor(/serve: stopping/)
    let answer = ''
    socket.on('data', (chunk: string) => (answer += chunk))
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.write(body)
    const result = await running
    await ended
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(answer).toContain('"accepted":1')
    expect(result.code).toBe(0)
    expect(result.stderr).not.toMatch(/grace period/)
  })

  it('refuses a --grace-period that is not a number of seconds (exit 2)', async () => {
    ws = workspace()
    const result = await ws.run(['serve', '--port', '0', '--grace-period', '10s'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--grace-period must be a number of seconds from 0 to 3600/)
  })

  it('refuses to start without any API key (exit 2)', async () => {
    ws = workspace({ apps: [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }] })
    const result = await ws.run(['serve', '--port', '0'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/no API key configured/)
  })

  it('a port already in use is a runtime failure (exit 1) naming it', async () => {
    ws = workspace()
    const stop = new AbortController()
    const stderr = capture()
    const first = ws.run(['serve', '--port', '0', '--quiet'], { signal: stop.signal, stderr })
    const [, port] = await stderr.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/)
    try {
      const second = await ws.run(['serve', '--port', port as string])
      expect(second.code).toBe(1)
      expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${port as string} (EADDRINUSE)`)
    } finally {
      stop.abort()
    }
    expect((await first).code).toBe(0)
  })
})
