import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { createHttpHandler } from 'push-registry/http'
import { rawStatus } from './raw-http.js'
import { bothKey, setup } from './support.js'
import { uiOptions } from '../ui/support.js'

/** Names every plain object inherits: a handler looked up as `methods[name]` would find them. */
const inherited = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__']
const unknown = [...inherited, 'PUT', 'PATCH', 'PROPFIND', 'FOO']

const paths = ['/healthz', '/v1/inputs', '/v1/users/export/ids', '/v1/users/export/segment', '/v1/users/kim/profile', '/v1/users/kim/subscription', '/v1/lookup?email=a@b.c', '/ui', '/ui/sign-in', '/ui/sign-out', '/ui/search?q=kim', '/ui/users/kim', '/ui/users/kim/subscription']

describe('HTTP: methods are looked up as own entries of a route, never inherited ones', () => {
  it('HTTP: every method a route does not define is a 405 JSON answer with Allow, on every route', async () => {
    const { registry } = setup()
    const handler = createHttpHandler({ registry, keys: { [bothKey]: ['ios', 'android'] }, ui: uiOptions })
    for (const path of paths) {
      for (const method of unknown) {
        const response = await handler.fetch(new Request(`http://registry.test${path}`, { method, headers: { authorization: `Bearer ${bothKey}` } }))
        expect(response, `${method} ${path}`).toBeInstanceOf(Response)
        expect(response.status, `${method} ${path}`).toBe(405)
        expect(response.headers.get('allow'), `${method} ${path}`).toMatch(/^(GET|POST)(, (GET|POST))*$/)
        expect(await response.json(), `${method} ${path}`).toMatchObject({ error: { path: 'method', rule: 'HTTP' } })
      }
    }
  })

  it('HTTP: on node:http too, a method the Fetch API cannot build (TRACE) or no route defines gets 405, not 400', async () => {
    const { handler, lines } = setup()
    const server = createServer(handler.node)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      for (const method of ['TRACE', 'PROPFIND', 'PUT']) {
        expect(await rawStatus(server, `${method} /healthz HTTP/1.1\r\nhost: x`), method).toBe(405)
        expect(await rawStatus(server, `${method} /v1/users/kim/profile HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${bothKey}`), method).toBe(405)
      }
      expect(lines).toEqual(['TRACE', 'TRACE', 'PROPFIND', 'PROPFIND', 'PUT', 'PUT'].map((m, i) => expect.stringMatching(new RegExp(`^${m} ${i % 2 === 0 ? '/healthz' : '/v1/users/:id/profile'} 405 \\d+ms$`))))
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('HTTP: an inherited name as a method is logged as an unknown method, never as a 500', async () => {
    const { handler, lines } = setup()
    for (const method of inherited) await handler.fetch(new Request('http://registry.test/healthz', { method }))
    expect(lines).toHaveLength(inherited.length)
    for (const line of lines) expect(line).toMatch(/^\? \/healthz 405 \d+ms$/)
  })
})
