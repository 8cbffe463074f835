import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { createMemoryStorage } from 'push-registry/memory'
import type { ProfileJson, StoragePort } from 'push-registry'
import { profileToJson } from 'push-registry'
import { refusesDevice, refusingStorage } from '../support/refusing-storage.js'
import { apnsToken, bothKey, call, fcmToken, iosKey, request, session, setup, snapshot } from './support.js'

const A = apnsToken('a')

describe('GET /healthz', () => {
  it('answers ok without a key', async () => {
    const { handler } = setup()
    expect(await call(handler, 'GET', '/healthz', { key: null })).toMatchObject({ status: 200, body: { ok: true } })
  })
})

describe('routing', () => {
  it('an unknown route is a 404', async () => {
    const { handler } = setup()
    const answer = await call(handler, 'GET', '/v2/nothing')
    expect(answer.status).toBe(404)
    expect(answer.body).toEqual({ error: { path: 'url', rule: 'HTTP', message: expect.any(String) } })
  })

  it('a wrong method is a 405 that lists the allowed ones', async () => {
    const { handler } = setup()
    const answer = await call(handler, 'GET', '/v1/inputs')
    expect(answer.status).toBe(405)
    expect(answer.headers.get('allow')).toBe('POST')
  })

  it('a path parameter that is not valid percent-encoding is a 400', async () => {
    const { handler } = setup()
    expect((await call(handler, 'GET', '/v1/users/%E0%A4%A/profile')).status).toBe(400)
  })
})

describe('authentication', () => {
  it('S2: a missing key and a wrong key get the same 401, which never echoes the key', async () => {
    const { handler, lines } = setup()
    const missing = await call(handler, 'POST', '/v1/inputs', { key: null, body: [] })
    const wrong = await call(handler, 'POST', '/v1/inputs', { key: 'key-guess-123', body: [] })
    const almost = await call(handler, 'POST', '/v1/inputs', { key: `${bothKey}x`, body: [] })
    expect(missing.status).toBe(401)
    expect(wrong).toEqual(missing)
    expect(almost).toEqual(missing)
    expect(JSON.stringify([wrong, almost, lines])).not.toContain('key-guess-123')
    expect(JSON.stringify([almost, lines])).not.toContain(bothKey)
  })

  it('a non-bearer authorization is a 401', async () => {
    const { handler } = setup()
    const response = await handler.fetch(new Request('http://registry.test/v1/lookup?email=a@b.c', { headers: { authorization: `Basic ${bothKey}` } }))
    expect(response.status).toBe(401)
  })
})

describe('POST /v1/inputs', () => {
  it('S3: accepts a batch and answers the ingest report with the rejected indices and paths', async () => {
    const { handler, registry } = setup()
    const answer = await call(handler, 'POST', '/v1/inputs', { body: [session('ios', 'd1', 'kim', A), { type: 'session_started' }] })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ accepted: 1, rejected: [{ index: 1, issues: expect.arrayContaining([expect.objectContaining({ rule: 'S3' })]) }] })
    expect((await collect(registry.registrations('ios'))).length).toBe(1)
  })

  it('S3: accepts a single input and reports it under `input`', async () => {
    const { handler } = setup()
    const answer = await call(handler, 'POST', '/v1/inputs', { body: { ...session('ios', 'd1', 'kim', A), deviceId: '' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ accepted: 0, rejected: [{ index: 0, issues: [expect.objectContaining({ path: 'input.deviceId' })] }] })
  })

  it('S3: a wrong content type is a 415 and changes nothing', async () => {
    const { handler, registry } = setup()
    const answer = await call(handler, 'POST', '/v1/inputs', { body: [session('ios', 'd1', 'kim', A)], contentType: 'text/plain' })
    expect(answer.status).toBe(415)
    expect(await collect(registry.registrations())).toEqual([])
  })

  it('S3: malformed JSON is a 400 at path body', async () => {
    const { handler } = setup()
    const answer = await call(handler, 'POST', '/v1/inputs', { raw: '[{"type":' })
    expect(answer).toMatchObject({ status: 400, body: { error: { path: 'body', rule: 'S3' } } })
  })

  it('S3: a body over the limit is a 413 and changes nothing', async () => {
    const { handler, registry } = setup({ limits: { maxBodyBytes: 200 } })
    const answer = await call(handler, 'POST', '/v1/inputs', { body: [session('ios', 'd1', 'kim', A), session('ios', 'd2', 'kim', apnsToken('b'))] })
    expect(answer).toMatchObject({ status: 413, body: { error: { path: 'body', rule: 'S3' } } })
    expect(await collect(registry.registrations())).toEqual([])
  })

  it('S3: a body over the limit is a 413 even when streamed without a length', async () => {
    const { handler } = setup({ limits: { maxBodyBytes: 100 } })
    const chunk = new TextEncoder().encode(`[${'0,'.repeat(60)}`)
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(chunk)
        controller.enqueue(chunk)
        controller.close()
      },
    })
    const init = { method: 'POST', headers: { authorization: `Bearer ${bothKey}`, 'content-type': 'application/json' }, body, duplex: 'half' }
    const response = await handler.fetch(new Request('http://registry.test/v1/inputs', init as RequestInit))
    expect(response.status).toBe(413)
  })

  it('S3: a batch over maxBatchSize is a 413 and applies nothing', async () => {
    const { handler, registry } = setup({ limits: { maxBatchSize: 2 } })
    const answer = await call(handler, 'POST', '/v1/inputs', { body: [session('ios', 'd1', 'kim', A), session('ios', 'd2', 'kim', A), session('ios', 'd3', 'kim', A)] })
    expect(answer).toMatchObject({ status: 413, body: { error: { path: 'inputs', rule: 'S3' } } })
    expect(await collect(registry.registrations())).toEqual([])
  })

  it('S3, I11: an input the store refuses on its own is a rejection in a 200 report, not a 503; the others are applied', async () => {
    const { handler, registry } = setup({ storage: refusingStorage({ record: refusesDevice('d2') }) })
    const body = [session('ios', 'd1', 'kim', A), session('ios', 'd2', 'kim', apnsToken('b')), session('ios', 'd3', 'kim', apnsToken('c'))]
    const answer = await call(handler, 'POST', '/v1/inputs', { body })
    expect(answer).toMatchObject({ status: 200, body: { accepted: 2, rejected: [{ index: 1, issues: [{ path: 'inputs[1]', rule: 'S3' }] }] } })
    expect((await collect(registry.registrations())).map((r) => r.deviceId).sort()).toEqual(['d1', 'd3'])
  })

  it('answers a storage failure with a 503, not a 500', async () => {
    const memory = createMemoryStorage()
    const broken: StoragePort = { ...memory, read: async () => Promise.reject(new Error('connection refused')) }
    const { handler } = setup({ storage: broken })
    const answer = await call(handler, 'POST', '/v1/inputs', { body: [session('ios', 'd1', 'kim', A)] })
    expect(answer).toMatchObject({ status: 503, body: { error: { path: 'storage' } } })
    expect(JSON.stringify(answer.body)).not.toContain('connection refused')
  })
})

describe('user routes', () => {
  const seeded = async () => {
    const s = setup()
    await s.registry.ingest([
      session('ios', 'd1', 'kim', A),
      session('android', 'p1', 'charlie', fcmToken('c')),
      { type: 'user_attributes', at: '2026-01-01T02:00:00Z', userId: 'kim', email: 'kim@example.com', phone: '+15550100' },
    ])
    return s
  }

  it('R26: POST /v1/users/export/ids exports the known users and leaves unknown ids out', async () => {
    const { handler, registry } = await seeded()
    const answer = await call(handler, 'POST', '/v1/users/export/ids', { body: { external_ids: ['kim', 'nobody'] } })
    expect(answer).toEqual({ status: 200, headers: expect.anything(), body: { users: await registry.exportUsers(['kim']) } })
    expect((answer.body as { users: { external_id: string }[] }).users.map((u) => u.external_id)).toEqual(['kim'])
  })

  it('S3: export by ids needs a list of strings', async () => {
    const { handler } = await seeded()
    expect(await call(handler, 'POST', '/v1/users/export/ids', { body: { external_ids: [1] } })).toMatchObject({ status: 400, body: { error: { path: 'body.external_ids', rule: 'S3' } } })
  })

  it('R26: POST /v1/users/export/segment streams the segment as NDJSON', async () => {
    const { handler, registry } = await seeded()
    const response = await handler.fetch(request('POST', '/v1/users/export/segment', { body: { segment: 'foregroundPushEnabled' } }))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/x-ndjson')
    const lines = (await response.text()).split('\n')
    expect(lines.at(-1)).toBe('')
    const expected = await registry.exportUsers(await collect(registry.segment({ kind: 'foregroundPushEnabled' })))
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(expected)
    expect(expected.length).toBe(2)
  })

  it('R24: an unknown segment is a 400 naming the rule', async () => {
    const { handler } = await seeded()
    expect(await call(handler, 'POST', '/v1/users/export/segment', { body: { segment: 'everyone' } })).toMatchObject({ status: 400, body: { error: { path: 'body.segment', rule: 'R24' } } })
  })

  it('R25: GET /v1/users/{id}/profile answers the profile, and 404 for an unknown user', async () => {
    const { handler, registry } = await seeded()
    const answer = await call(handler, 'GET', '/v1/users/kim/profile')
    expect(answer).toMatchObject({ status: 200, body: profileToJson((await registry.profile('kim'))!) })
    // Times are ISO-8601, as the inputs gave them, not epoch milliseconds.
    const body = answer.body as ProfileJson
    expect(body.changelog.map((e) => e.at)).toEqual([new Date(session('ios', 'd1', 'kim', A).at).toISOString()])
    expect(body.devices.map((d) => d.lastSeenAt)).toEqual([new Date(session('ios', 'd1', 'kim', A).at).toISOString()])
    expect(await call(handler, 'GET', '/v1/users/nobody/profile')).toMatchObject({ status: 404, body: { error: { path: 'userId', rule: 'R25' } } })
  })

  it('D11: GET /v1/lookup finds the user by email or phone, and 404 otherwise', async () => {
    const { handler } = await seeded()
    expect(await call(handler, 'GET', '/v1/lookup?email=kim%40example.com')).toMatchObject({ status: 200, body: { external_id: 'kim' } })
    expect(await call(handler, 'GET', '/v1/lookup?phone=%2B15550100')).toMatchObject({ status: 200, body: { external_id: 'kim' } })
    expect(await call(handler, 'GET', '/v1/lookup?email=nobody%40example.com')).toMatchObject({ status: 404, body: { error: { rule: 'D11' } } })
    expect((await call(handler, 'GET', '/v1/lookup')).status).toBe(400)
    expect((await call(handler, 'GET', '/v1/lookup?email=a@b.c&phone=1')).status).toBe(400)
  })

  it('R11: POST /v1/users/{id}/subscription records the state at the server clock and answers the new profile', async () => {
    const { handler, registry } = await seeded()
    const answer = await call(handler, 'POST', '/v1/users/kim/subscription', { key: iosKey, body: { state: 'unsubscribed' } })
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual(profileToJson((await registry.profile('kim'))!))
    expect((answer.body as { subscription: string }).subscription).toBe('unsubscribed')
  })

  it('S3: a subscription state that is not one of the three is a 400 at body.state and changes nothing', async () => {
    const { handler, registry } = await seeded()
    const before = await snapshot(registry, ['kim'])
    const answer = await call(handler, 'POST', '/v1/users/kim/subscription', { body: { state: 'maybe' } })
    expect(answer).toMatchObject({ status: 400, body: { error: { path: 'body.state' } } })
    expect(await snapshot(registry, ['kim'])).toEqual(before)
  })
})

describe('logging (S2)', () => {
  it('logs one line per request with method, route pattern, status and time, never ids, bodies or keys', async () => {
    const { handler, lines } = setup()
    await call(handler, 'POST', '/v1/inputs', { body: [session('ios', 'd1', 'kim', A)] })
    await call(handler, 'GET', '/v1/users/kim/profile', { key: 'wrong-key' })
    await call(handler, 'GET', '/somewhere/else')
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^POST \/v1\/inputs 200 \d+ms$/)
    expect(lines[1]).toMatch(/^GET \/v1\/users\/:id\/profile 401 \d+ms$/)
    expect(lines[2]).toMatch(/^GET \(unknown\) 404 \d+ms$/)
    const all = lines.join('\n')
    for (const secret of [A, 'kim', 'wrong-key', bothKey]) expect(all).not.toContain(secret)
  })
})
