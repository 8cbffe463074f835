import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { androidKey, apnsToken, bothKey, fcmToken, iosKey, session, setup, snapshot } from './support.js'

const runs = Number(process.env['FC_RUNS'] ?? 200)
const userIds = ['kim', 'charlie', 'mallory']

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 40 })

const paths = fc.oneof(
  fc.constantFrom(
    '/v1/inputs',
    '/v1/users/export/ids',
    '/v1/users/export/segment',
    '/v1/users/kim/profile',
    '/v1/users/kim',
    '/v1/users/charlie/subscription',
    '/v1/users/%E0%A4%A/subscription',
    '/v1/lookup?email=kim%40example.com',
    '/v1/lookup?phone=1&email=2',
    '/healthz',
    '/v1/users//profile',
  ),
  fc.webPath(),
  printable.map((s) => `/v1/users/${encodeURIComponent(s)}/subscription`),
)

const methods = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD')
const contentTypes = fc.oneof(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain', 'application/x-www-form-urlencoded', undefined), printable)
const authorizations = fc.oneof(
  fc.constantFrom(`Bearer ${iosKey}`, `Bearer ${androidKey}`, `bearer ${bothKey}`, `Bearer ${bothKey} `, `Basic ${iosKey}`, 'Bearer', '', undefined),
  printable.map((s) => `Bearer ${s}`),
)

/** Inputs that are well-formed, almost well-formed, or aimed at the other app. */
const inputs = fc.oneof(
  fc.record({ app: fc.constantFrom('ios', 'android', 'web', ''), device: fc.constantFrom('d1', 'p1', ''), user: fc.constantFrom(...userIds) }).map(({ app, device, user }) =>
    session(app, device, user, app === 'ios' ? apnsToken('a') : fcmToken('c')),
  ),
  fc.record({ userId: fc.constantFrom(...userIds, ''), state: fc.constantFrom('subscribed', 'opted_in', 'unsubscribed', 'maybe') }).map((r) => ({ type: 'subscription_set', at: '2026-01-01T05:00:00Z', ...r })),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ ['__proto__']: { appId: 'ios' }, type: 'uninstalled', at: '2026-01-01T05:00:00Z', appId: 'android', deviceId: 'p1' }),
)

const bodies = fc.oneof(
  fc.array(inputs, { maxLength: 6 }).map((xs) => JSON.stringify(xs)),
  inputs.map((x) => JSON.stringify(x)),
  fc.record({ external_ids: fc.oneof(fc.array(fc.constantFrom(...userIds)), fc.jsonValue()) }).map((x) => JSON.stringify(x)),
  fc.record({ segment: fc.oneof(fc.constantFrom('foregroundPushEnabled', 'foregroundPushEnabledForApp:android', 'pushSubscription:maybe', 'uninstalled:x/y'), printable) }).map((x) => JSON.stringify(x)),
  fc.record({ state: fc.oneof(fc.constantFrom('subscribed', 'opted_in', 'unsubscribed'), fc.jsonValue()) }).map((x) => JSON.stringify(x)),
  fc.json(),
  fc.string(),
  fc.constant('[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['.repeat(2000)),
  fc.constant(undefined),
)

const anyRequest = fc.record({ method: methods, path: paths, contentType: contentTypes, authorization: authorizations, body: bodies })

/** A request on a real route with its method and a valid key: hostile in its body (and now and then its content type). */
const routedRequest = fc.record({
  route: fc.constantFrom(
    { method: 'POST', path: '/v1/inputs' },
    { method: 'POST', path: '/v1/users/export/ids' },
    { method: 'POST', path: '/v1/users/export/segment' },
    { method: 'POST', path: '/v1/users/charlie/subscription' },
    { method: 'GET', path: '/v1/users/kim/profile' },
    { method: 'DELETE', path: '/v1/users/mallory' },
  ),
  authorization: fc.constantFrom(`Bearer ${iosKey}`, `Bearer ${androidKey}`, `Bearer ${bothKey}`),
  body: bodies,
  // Mostly JSON; sometimes another type, so that a 415 on a real route is reached every run.
  contentType: fc.oneof({ arbitrary: fc.constant<string | undefined>('application/json'), weight: 4 }, { arbitrary: fc.constantFrom<string | undefined>('text/plain', 'application/x-www-form-urlencoded', undefined), weight: 1 }),
}).map(({ route, authorization, body, contentType }) => ({ ...route, authorization, body, contentType }))

const requests = fc.oneof({ arbitrary: routedRequest, weight: 2 }, { arbitrary: anyRequest, weight: 1 })

/** A registry already holding state for both apps, so an unwanted change would show. */
const seeded = async () => {
  const s = setup({ limits: { maxBodyBytes: 64 * 1024, maxBatchSize: 4 } })
  await s.registry.ingest([
    session('ios', 'd1', 'kim', apnsToken('a')),
    session('android', 'p1', 'charlie', fcmToken('c')),
    { type: 'user_attributes', at: '2026-01-01T02:00:00Z', userId: 'kim', email: 'kim@example.com' },
  ])
  return s
}

describe('the HTTP surface under hostile requests (S3, I11)', () => {
  it('S3, I11: every request gets a status below 500, and a 4xx changes nothing', async () => {
    const statuses = new Set<number>()
    await fc.assert(
      fc.asyncProperty(fc.array(requests, { minLength: 1, maxLength: 4 }), async (calls) => {
        const { handler, registry, lines } = await seeded()
        for (const c of calls) {
          const headers = new Headers()
          if (c.authorization !== undefined) headers.set('authorization', c.authorization)
          if (c.contentType !== undefined) headers.set('content-type', c.contentType)
          const body = c.method === 'GET' || c.method === 'HEAD' ? null : (c.body ?? null)
          const before = await snapshot(registry, userIds)
          const response = await handler.fetch(new Request(`http://registry.test${c.path}`, { method: c.method, headers, body }))
          await response.arrayBuffer()
          expect(response.status).toBeLessThan(500)
          statuses.add(response.status)
          if (response.status >= 400) expect(await snapshot(registry, userIds)).toEqual(before)
        }
        expect(lines).toHaveLength(calls.length)
        for (const key of [iosKey, androidKey, bothKey]) expect(lines.join('\n')).not.toContain(key)
      }),
      { numRuns: runs },
    )
    // The generators reach the answers that matter, not only 404s.
    for (const status of [200, 400, 401, 404, 405, 413, 415]) expect(statuses).toContain(status)
  })
})
