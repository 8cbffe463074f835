import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { isNormalPath } from '../../src/http/normal-path.js'
import { rawStatus } from './raw-http.js'
import { apnsToken, bothKey, call, session, setup } from './support.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

const listen = async (): Promise<{ server: Server; lines: string[] }> => {
  const s = setup()
  await s.registry.ingest(session('ios', 'd1', 'kim', apnsToken('a')))
  const server = createServer(s.handler.node)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, lines: s.lines }
}

/** Spellings that URL parsers, servers or proxies resolve to another path than a prefix filter sees. */
const confused = [
  '//x/healthz',
  '//127.0.0.1:1/v1/users/kim/profile',
  '/v1//users/kim/profile',
  '/v1/users/kim/profile/..',
  '/v1/./users/kim/profile',
  '/v1/x/../users/kim/profile',
  '/v1/x/%2e%2e/users/kim/profile',
  '/v1/x/.%2E/users/kim/profile',
  '/v1/%2E/users/kim/profile',
  '/v1\\users\\kim\\profile',
  '/v1/users/kim\\..\\kim/profile',
]

describe('HTTP: only paths in normal form are routed', () => {
  it('HTTP: the node:http listener answers 400 to every path not in normal form, before any route (no profile behind //host/…)', async () => {
    const { server, lines } = await listen()
    expect(await rawStatus(server, `GET /v1/users/kim/profile HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bothKey}`)).toBe(200)
    for (const path of confused) {
      expect(await rawStatus(server, `GET ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bothKey}`), path).toBe(400)
    }
    expect(lines.slice(1)).toEqual(confused.map(() => expect.stringMatching(/^GET \(path\) 400 \d+ms$/)))
  })

  it('HTTP: the Fetch handler answers 400 to a parsed path that is not in normal form', async () => {
    const { handler } = setup()
    for (const path of ['//x/healthz', '/healthz//', '/v1//users/kim/profile', '/v1/users/kim//profile', '/v1//lookup?email=a@b.c']) {
      const answer = await call(handler, 'GET', path)
      expect(answer.status, path).toBe(400)
      expect(answer.body, path).toEqual({ error: { path: 'url', rule: 'HTTP', message: expect.stringMatching(/normal form/) } })
    }
  })

  it('HTTP: an encoded slash is data of one segment: a user id holding "/" stays reachable, and never reaches another route', async () => {
    const { handler, registry } = setup()
    await registry.ingest(session('ios', 'd1', 'org/kim', apnsToken('a')))
    expect(await call(handler, 'GET', '/v1/users/org%2Fkim/profile')).toMatchObject({ status: 200, body: { userId: 'org/kim' } })
    expect((await call(handler, 'GET', '/v1/users%2Fkim%2Fprofile')).status).toBe(404)
    expect((await call(handler, 'GET', '/v1/users/x%2F..%2F..%2Fhealthz/profile')).body).toMatchObject({ error: { rule: 'R25' } })
  })

  it('HTTP: normal paths stay routable: trailing slash, percent-encoded ids, dots inside a segment', () => {
    for (const path of ['/', '/healthz', '/ui/', '/v1/users/a.b/profile', '/v1/users/..a/profile', '/v1/users/%2e%2e%2e/profile', '/v1/users/k%C3%A9/profile', '/v1/users/%40kim/profile', '/v1/users/a%2Fb/profile']) {
      expect(isNormalPath(path), path).toBe(true)
    }
    for (const path of ['', 'healthz', '/a//b', '//', '/a/./b', '/a/../b', '/..', '/.', '/a/%2e%2E/b', '/a\\b', '/a b', '/a\tb', '/a#b']) {
      expect(isNormalPath(path), path).toBe(false)
    }
  })
})
