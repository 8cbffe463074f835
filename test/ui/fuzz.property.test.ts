import fc from 'fast-check'
import type { Registry } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { client, csrfIn, signIn, storySetup } from './support.js'

/**
 * The profile page under hostile requests (S3, I11): whatever the method, path, cookie, content
 * type and form, the page answers below 500, and the store changes only for a signed-in
 * operator's form that carries the session's own CSRF token.
 */
const runs = Number(process.env['FC_RUNS'] ?? 100)

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 40 })
const hostile = fc.oneof(printable, fc.string({ maxLength: 40 }), fc.constantFrom('<script>alert(1)</script>', '"><img src=x>', '%00', '../../etc/passwd', '\u0000', 'kim\r\nSet-Cookie: x=y'))

const paths = fc.oneof(
  fc.constantFrom('/ui', '/ui/', '/ui/sign-in', '/ui/sign-out', '/ui/search', '/ui/users/kim', '/ui/users/charlie', '/ui/users/kim/subscription', '/ui/users/nobody/subscription', '/ui/users/%E0%A4%A', '/ui/users//subscription'),
  hostile.map((s) => `/ui/users/${encodeURIComponent(s)}`),
  hostile.map((s) => `/ui/users/${encodeURIComponent(s)}/subscription`),
  hostile.map((s) => `/ui/search?q=${encodeURIComponent(s)}`),
  fc.webPath().map((p) => `/ui${p}`),
)
const methods = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS')
const contentTypes = fc.oneof(fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'multipart/form-data; boundary=x', 'text/plain', undefined), printable)

/** Which cookie the request carries: the operator's own session, a damaged one, or junk. */
const cookieKinds = fc.oneof(fc.constant({ kind: 'valid' as const }), fc.constant({ kind: 'none' as const }), fc.constant({ kind: 'tampered' as const }), hostile.map((value) => ({ kind: 'junk' as const, value })))
/** Which CSRF field the form carries. */
const csrfKinds = fc.oneof({ arbitrary: fc.constant({ kind: 'valid' as const }), weight: 2 }, fc.constant({ kind: 'missing' as const }), hostile.map((value) => ({ kind: 'junk' as const, value })))

const forms = fc.record({
  csrf: csrfKinds,
  state: fc.oneof(fc.constantFrom('subscribed', 'opted_in', 'unsubscribed'), hostile),
  extra: fc.dictionary(fc.constantFrom('q', 'operator', 'secret', 'state', '__proto__', 'csrf'), hostile, { maxKeys: 3 }),
  /** Mostly a real form; sometimes a body that is no form at all. */
  raw: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.oneof(hostile, fc.json()), weight: 1 }),
})

const anyRequest = fc.record({ method: methods, path: paths, contentType: contentTypes, cookie: cookieKinds, form: forms })

/** A form post to the subscription route with the operator's session: hostile only in its fields. */
const routedPost = fc.record({
  method: fc.constant('POST'),
  path: fc.constantFrom('/ui/users/kim/subscription', '/ui/users/charlie/subscription', '/ui/users/nobody/subscription'),
  contentType: fc.constant<string | undefined>('application/x-www-form-urlencoded'),
  cookie: fc.constant({ kind: 'valid' as const }),
  form: forms,
})

/** A page read with the operator's session. */
const routedGet = fc.record({
  method: fc.constant('GET'),
  path: fc.oneof(fc.constantFrom('/ui', '/ui/users/kim', '/ui/users/charlie'), hostile.map((s) => `/ui/search?q=${encodeURIComponent(s)}`)),
  contentType: fc.constant<string | undefined>(undefined),
  cookie: fc.constant({ kind: 'valid' as const }),
  form: forms,
})

const requests = fc.oneof({ arbitrary: routedPost, weight: 2 }, { arbitrary: routedGet, weight: 1 }, { arbitrary: anyRequest, weight: 2 })

const snapshot = async (registry: Registry) => ({
  profiles: [await registry.profile('kim'), await registry.profile('charlie')],
  users: await registry.exportUsers(['charlie', 'kim', 'nobody']),
})

describe('the profile page under hostile requests (S3, I11)', () => {
  it('S3, I11: every request gets a status below 500, and only a signed-in form with its own CSRF token changes anything', async () => {
    const statuses = new Set<number>()
    await fc.assert(
      fc.asyncProperty(fc.array(requests, { minLength: 1, maxLength: 3 }), async (calls) => {
        const { handler, registry } = await storySetup()
        const operator = client(handler)
        await signIn(operator)
        const session = [...operator.jar].map(([name, value]) => `${name}=${value}`).join('; ')
        const csrf = csrfIn(await (await operator.get('/ui/users/kim')).text())
        for (const c of calls) {
          const headers = new Headers()
          if (c.contentType !== undefined) headers.set('content-type', c.contentType)
          if (c.cookie.kind === 'valid') headers.set('cookie', session)
          if (c.cookie.kind === 'tampered') headers.set('cookie', session.replace(/.(;|$)/, (last, end: string) => `${last === 'A' ? 'B' : 'A'}${end}`))
          if (c.cookie.kind === 'junk') headers.set('cookie', c.cookie.value.replace(/[\r\n\u0000]/g, ''))
          const fields = new URLSearchParams()
          for (const [name, value] of Object.entries(c.form.extra)) fields.append(name, value)
          fields.set('state', c.form.state)
          if (c.form.csrf.kind === 'valid') fields.set('csrf', csrf)
          if (c.form.csrf.kind === 'junk') fields.set('csrf', c.form.csrf.value)
          const body = c.method === 'GET' || c.method === 'HEAD' ? null : (c.form.raw === undefined ? fields.toString() : c.form.raw)
          const before = await snapshot(registry)
          const response = await handler.fetch(new Request(`http://registry.test${c.path}`, { method: c.method, headers, body }))
          await response.arrayBuffer()
          expect(response.status).toBeLessThan(500)
          statuses.add(response.status)
          const mayChange = c.cookie.kind === 'valid' && c.form.csrf.kind === 'valid' && c.form.raw === undefined && c.method === 'POST'
          if (response.status >= 400 || !mayChange) expect(await snapshot(registry)).toEqual(before)
        }
      }),
      { numRuns: runs },
    )
    // The generators reach the answers that matter, not only redirects.
    for (const status of [200, 303, 400, 403, 404]) expect(statuses).toContain(status)
  })
})
