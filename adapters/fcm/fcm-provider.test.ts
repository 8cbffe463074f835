import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { classifyAnswer, collect, createDispatcher, createRegistry, redact } from 'push-registry'
import type { AnswerClass, AppId, DeviceId, OutgoingPush, ProviderPort, ProviderReply } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { createFcmProvider, FcmConfigError, nonFcmReason } from 'push-registry/fcm'
import type { FcmProviderOptions } from 'push-registry/fcm'
import { startFcmPeer } from '../../test/peers/fcm/index.js'
import type { FcmPeer, FcmPeerOptions } from '../../test/peers/fcm/index.js'

// S2: every log line and every reply of this file is kept, and afterAll greps them for every
// secret the tests handled: registration tokens, access tokens, private keys.
const logLines: string[] = []
const replies: ProviderReply[] = []
const secrets = new Set<string>()
const appId = 'android' as AppId

/** An FCM-looking registration token (~150 characters), long enough for a partial redaction. */
const newToken = (label: string): string => {
  const token = `${label}:APA91b${randomBytes(100).toString('base64url')}`
  secrets.add(token)
  return token
}

const classOf = (reply: ProviderReply): AnswerClass => classifyAnswer({ provider: 'fcm', ...reply })

const alert = (token: string, payload: unknown = { notification: { title: 'Hello' } }): OutgoingPush => ({
  appId,
  token,
  kind: 'alert',
  payload,
})

let peer: FcmPeer
let fcm: ProviderPort
const opened: ProviderPort[] = []

const start = async (options: FcmPeerOptions = {}): Promise<void> => {
  peer = await startFcmPeer(options)
  secrets.add(peer.serviceAccount.private_key)
}

const provider = (overrides: Partial<FcmProviderOptions> = {}): ProviderPort => {
  const port = createFcmProvider({
    serviceAccount: peer.serviceAccount,
    endpoint: peer.origin,
    tls: { ca: peer.ca },
    log: (line) => logLines.push(line),
    ...overrides,
  })
  const recording: ProviderPort = {
    provider: port.provider,
    close: port.close,
    send: async (push) => {
      const reply = await port.send(push)
      replies.push(reply)
      return reply
    },
  }
  opened.push(recording)
  return recording
}

const stopAll = async (): Promise<void> => {
  for (const port of opened.splice(0)) await port.close()
  for (const accessToken of peer.issuedAccessTokens()) secrets.add(accessToken)
  await peer.close()
}

describe('FCM v1 answers through the loopback peer (§4, R15)', () => {
  beforeEach(async () => {
    await start()
    fcm = provider()
  })
  afterEach(stopAll)

  it.each([
    ['ok', 200, undefined, { class: 'delivered' }],
    ['unregistered', 404, 'UNREGISTERED', { class: 'dead' }],
    ['invalid-token', 400, 'INVALID_ARGUMENT', { class: 'ambiguous' }],
    ['invalid-payload', 400, 'INVALID_ARGUMENT', { class: 'payload' }],
    ['sender-id-mismatch', 403, 'SENDER_ID_MISMATCH', { class: 'ambiguous' }],
    ['third-party-auth', 401, 'THIRD_PARTY_AUTH_ERROR', { class: 'credentials', refresh: false }],
    ['internal', 500, 'INTERNAL', { class: 'transient', recognised: true }],
  ] as const)('§4: the peer answering %s gives status %i, reason %s, class %o', async (answer, status, reason, expected) => {
    const token = newToken(answer)
    peer.script(token, answer)
    const reply = await fcm.send(alert(token))
    expect(reply.status).toBe(status)
    expect(reply.reason).toBe(reason)
    expect(classOf(reply)).toEqual(expected)
  })

  it('§4: a 400 naming message.token carries the field violation in detail (R18 quarantine, not death)', async () => {
    const token = newToken('bad')
    peer.script(token, 'invalid-token')
    const reply = await fcm.send(alert(token))
    expect(reply.detail).toContain('message.token')
    expect(reply.detail).toContain('not a valid FCM registration token')
  })

  it('§4: non-string data values are refused by FCM as a payload error, not a token error (I10)', async () => {
    const token = newToken('data')
    const reply = await fcm.send(alert(token, { data: { count: 3 } }))
    expect(reply).toMatchObject({ status: 400, reason: 'INVALID_ARGUMENT' })
    expect(reply.detail).toContain('message.data[0].value')
    expect(classOf(reply)).toEqual({ class: 'payload' })
  })

  it.each([
    ['quota-exceeded', 429, 'QUOTA_EXCEEDED', 30],
    ['unavailable', 503, 'UNAVAILABLE', 12],
  ] as const)('§4: %s is transient and Retry-After is honoured', async (kind, status, reason, retryAfterSeconds) => {
    const token = newToken(kind)
    peer.script(token, { kind, retryAfterSeconds }, 'ok')
    const first = await fcm.send(alert(token))
    expect(first).toMatchObject({ status, reason, retryAfterSeconds })
    expect(classOf(first)).toEqual({ class: 'transient', recognised: true })
    expect(classOf(await fcm.send(alert(token)))).toEqual({ class: 'delivered' })
  })

  it('§4: a connection dropped without an answer is status 0, transient', async () => {
    const token = newToken('drop')
    peer.script(token, 'drop')
    const reply = await fcm.send(alert(token))
    expect(reply.status).toBe(0)
    expect(classOf(reply)).toEqual({ class: 'transient', recognised: true })
  })

  it('§4: a 404 without a v1 error body (not from FCM) is never taken for UNREGISTERED', async () => {
    const token = newToken('html404')
    peer.script(token, 'not-fcm-404')
    const reply = await fcm.send(alert(token))
    expect(reply).toMatchObject({ status: 404, reason: nonFcmReason })
    expect(classOf(reply)).toEqual({ class: 'transient', recognised: false })
  })

  it('§4: THIRD_PARTY_AUTH_ERROR is not retried with a new access token (it is the APNs/Web Push credential)', async () => {
    const token = newToken('3p')
    peer.script(token, 'third-party-auth')
    const reply = await fcm.send(alert(token))
    expect(reply.detail).toContain('APNs 403 InvalidProviderToken')
    expect(peer.received().filter((m) => m.token === token)).toHaveLength(1)
    expect(peer.stats().tokenExchanges).toBe(1)
  })

  it('§4: a project the service account cannot send for is a 403, credentials', async () => {
    fcm = provider({ serviceAccount: { ...peer.serviceAccount, project_id: 'someone-else' } })
    const reply = await fcm.send(alert(newToken('proj')))
    expect(reply).toMatchObject({ status: 403, reason: 'PERMISSION_DENIED' })
    expect(classOf(reply)).toEqual({ class: 'credentials', refresh: false })
  })
})

describe('OAuth token endpoint failures (§4 "OAuth 401/403")', () => {
  beforeEach(async () => {
    await start()
    fcm = provider()
  })
  afterEach(stopAll)

  it('§4: an assertion signed by a key the endpoint does not know is credentials, and nothing reaches messages:send', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const foreign = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    secrets.add(foreign)
    fcm = provider({ serviceAccount: { ...peer.serviceAccount, private_key: foreign } })
    const reply = await fcm.send(alert(newToken('foreign')))
    expect(reply).toMatchObject({ status: 401, reason: 'OAUTH_INVALID_GRANT' })
    expect(reply.detail).toContain('Invalid JWT Signature')
    expect(classOf(reply)).toEqual({ class: 'credentials', refresh: false })
    expect(peer.stats()).toMatchObject({ refusedExchanges: 1, tokenExchanges: 0, sendRequests: 0 })
  })

  it('§4: a scripted invalid_grant is credentials; the failure is not cached and the next send heals', async () => {
    peer.scriptTokenEndpoint('invalid-grant')
    const token = newToken('grant')
    expect(classOf(await fcm.send(alert(token)))).toEqual({ class: 'credentials', refresh: false })
    expect(classOf(await fcm.send(alert(token)))).toEqual({ class: 'delivered' })
  })

  it('§4: a token endpoint that is down is transient, with its Retry-After', async () => {
    peer.scriptTokenEndpoint('unavailable')
    const reply = await fcm.send(alert(newToken('down')))
    expect(reply).toMatchObject({ status: 503, reason: 'OAUTH_UNAVAILABLE', retryAfterSeconds: 7 })
    expect(classOf(reply)).toEqual({ class: 'transient', recognised: true })
  })

  it('§4: an unreachable token endpoint is status 0, transient', async () => {
    peer.scriptTokenEndpoint('drop')
    const reply = await fcm.send(alert(newToken('unreach')))
    expect(reply.status).toBe(0)
    expect(classOf(reply)).toEqual({ class: 'transient', recognised: true })
  })

  it('§4: a 200 without an access token is an unrecognised answer, never evidence against a token', async () => {
    peer.scriptTokenEndpoint('no-token')
    const reply = await fcm.send(alert(newToken('empty')))
    expect(reply).toMatchObject({ status: 502, reason: 'OAUTH_BAD_RESPONSE' })
    expect(classOf(reply)).toEqual({ class: 'transient', recognised: false })
  })
})

describe('access-token cache', () => {
  afterEach(stopAll)

  it('one exchange serves many sends, sequential and concurrent from a cold cache', async () => {
    await start()
    fcm = provider()
    const tokens = Array.from({ length: 20 }, (_, i) => newToken(`c${i}`))
    const concurrent = await Promise.all(tokens.map((t) => fcm.send(alert(t))))
    for (const t of tokens.slice(0, 5)) await fcm.send(alert(t))
    expect(concurrent.every((r) => r.status === 200)).toBe(true)
    expect(peer.stats()).toMatchObject({ tokenExchanges: 1, sendRequests: 25, unauthorized: 0 })
  })

  it('refreshes 5 minutes before expiry (injected clock), without ever sending an expired token', async () => {
    let now = Date.parse('2026-11-23T09:00:00Z')
    const clock = { now: () => now }
    await start({ clock, accessTokenLifetimeSeconds: 3600 })
    fcm = provider({ clock })
    const token = newToken('clock')
    await fcm.send(alert(token))
    now += 54 * 60_000
    await fcm.send(alert(token))
    expect(peer.stats().tokenExchanges).toBe(1)
    now += 2 * 60_000
    expect((await fcm.send(alert(token))).status).toBe(200)
    expect(peer.stats()).toMatchObject({ tokenExchanges: 2, unauthorized: 0 })
    now += 3 * 3600_000
    expect((await fcm.send(alert(token))).status).toBe(200)
    expect(peer.stats()).toMatchObject({ tokenExchanges: 3, unauthorized: 0 })
  })

  it('a short-lived access token is refreshed at half its life', async () => {
    let now = Date.parse('2026-11-23T09:00:00Z')
    const clock = { now: () => now }
    await start({ clock, accessTokenLifetimeSeconds: 120 })
    fcm = provider({ clock })
    const token = newToken('short')
    await fcm.send(alert(token))
    now += 59_000
    await fcm.send(alert(token))
    expect(peer.stats().tokenExchanges).toBe(1)
    now += 2_000
    await fcm.send(alert(token))
    expect(peer.stats()).toMatchObject({ tokenExchanges: 2, unauthorized: 0 })
  })

  it('a 401 from messages:send drops the access token and retries the message once with a fresh one', async () => {
    await start()
    fcm = provider()
    const token = newToken('revoked')
    await fcm.send(alert(token))
    peer.revokeAccessTokens()
    const reply = await fcm.send(alert(token))
    expect(classOf(reply)).toEqual({ class: 'delivered' })
    expect(peer.stats()).toMatchObject({ tokenExchanges: 2, unauthorized: 1, sendRequests: 3 })
  })

  it('concurrent 401s share one refresh', async () => {
    await start()
    fcm = provider()
    await fcm.send(alert(newToken('warm')))
    peer.revokeAccessTokens()
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => fcm.send(alert(newToken(`r${i}`)))))
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(200))
    expect(peer.stats().tokenExchanges).toBe(2)
  })

  it('§4: a 401 that survives the fresh token is reported as credentials after exactly one retry', async () => {
    await start()
    fcm = provider()
    const token = newToken('always401')
    peer.script(token, 'unauthenticated')
    const reply = await fcm.send(alert(token))
    expect(reply).toMatchObject({ status: 401, reason: 'UNAUTHENTICATED' })
    expect(classOf(reply)).toEqual({ class: 'credentials', refresh: false })
    expect(peer.received().filter((m) => m.token === token)).toHaveLength(2)
    expect(peer.stats().tokenExchanges).toBe(2)
  })
})

describe('connection pool', () => {
  afterEach(stopAll)

  it('keeps connections alive: 40 sequential sends (and the exchange) reuse one or two sockets', async () => {
    await start()
    fcm = provider()
    for (let i = 0; i < 40; i += 1) await fcm.send(alert(newToken(`seq${i}`)))
    expect(peer.stats().sendRequests).toBe(40)
    expect(peer.stats().connections).toBeLessThanOrEqual(2)
  })

  it('never opens more than maxSockets connections, however many sends are in flight', async () => {
    await start()
    fcm = provider({ maxSockets: 3 })
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => fcm.send(alert(newToken(`par${i}`)))))
    expect(replies.every((r) => r.status === 200)).toBe(true)
    expect(peer.stats().connections).toBeLessThanOrEqual(3)
  })

  it('also speaks plain http: to a local peer', async () => {
    await start({ tls: false })
    fcm = provider({ tls: {} })
    expect((await fcm.send(alert(newToken('plain')))).status).toBe(200)
  })

  it('after close(), a send is status 0 and reaches nothing', async () => {
    await start()
    fcm = provider()
    await fcm.close()
    const reply = await fcm.send(alert(newToken('closed')))
    expect(reply.status).toBe(0)
    expect(peer.stats().sendRequests).toBe(0)
  })
})

describe('message shape', () => {
  beforeEach(async () => {
    await start()
    fcm = provider()
  })
  afterEach(stopAll)

  it('R27: an alert keeps its notification, goes high priority, and maps collapseId and expiresAt to every platform', async () => {
    const token = newToken('alert')
    const expiresAt = Date.now() + 3_600_000
    await fcm.send({
      appId,
      token,
      kind: 'alert',
      collapseId: 'score',
      expiresAt,
      payload: { notification: { title: 'Goal' }, data: { match: '42' }, token: 'not-this-one', topic: 'news' },
    })
    const [received] = peer.received()
    const message = received?.message as Record<string, Record<string, unknown>>
    expect(received?.token).toBe(token)
    expect(message['topic']).toBeUndefined()
    expect(message['notification']).toEqual({ title: 'Goal' })
    expect(message['data']).toEqual({ match: '42' })
    expect(message['android']).toMatchObject({ priority: 'high', collapse_key: 'score' })
    expect(message['android']?.['ttl']).toMatch(/^(3600|3599)s$/)
    expect(message['apns']).toEqual({
      headers: {
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'apns-collapse-id': 'score',
        'apns-expiration': String(Math.floor(expiresAt / 1000)),
      },
    })
    expect(message['webpush']).toMatchObject({ headers: { Topic: 'score' } })
  })

  it('R27: a background push is data-only, normal priority, apns-push-type background at priority 5 with content-available', async () => {
    const token = newToken('bg')
    await fcm.send({
      appId,
      token,
      kind: 'background',
      payload: {
        notification: { title: 'dropped' },
        data: { sync: 'inbox' },
        android: { notification: { title: 'dropped too' } },
        apns: { headers: { 'apns-priority': '10' }, payload: { aps: { alert: 'dropped', 'thread-id': 'kept' } } },
      },
    })
    const message = peer.received()[0]?.message as Record<string, Record<string, unknown>>
    expect(message['notification']).toBeUndefined()
    expect(message['data']).toEqual({ sync: 'inbox' })
    expect(message['android']).toEqual({ priority: 'normal' })
    expect(message['apns']).toEqual({
      headers: { 'apns-push-type': 'background', 'apns-priority': '5' },
      payload: { aps: { 'thread-id': 'kept', 'content-available': 1 } },
    })
  })

  it('I10: a payload that is not an object is refused locally as a payload answer, without a request', async () => {
    const reply = await fcm.send(alert(newToken('str'), 'just a string'))
    expect(classOf(reply)).toEqual({ class: 'payload' })
    expect(peer.stats().sendRequests).toBe(0)
  })

  it('I10: a Web Push subscription given to FCM is a payload answer, never a token verdict', async () => {
    const reply = await fcm.send({ appId, kind: 'alert', payload: {}, token: { endpoint: 'https://fcm.googleapis.com/fcm/send/abc', keys: { p256dh: 'p', auth: 'a' } } })
    expect(classOf(reply)).toEqual({ class: 'payload' })
    expect(peer.stats().sendRequests).toBe(0)
  })
})

describe('end to end with the registry', () => {
  afterEach(stopAll)

  it('R16: an UNREGISTERED answer fed back as provider_answer removes the token from the targets', async () => {
    await start()
    fcm = provider()
    const token = newToken('e2e')
    const registry = createRegistry({
      apps: [{ appId, name: 'MyApp (Android)', platform: 'android' }],
      storage: createMemoryStorage(),
      clock: { now: () => Date.parse('2026-11-23T12:00:00Z') },
    })
    await registry.ingest({ type: 'session_started', at: '2026-11-23T10:00:00Z', appId, deviceId: 'pixel' as DeviceId, userId: 'kim', token, permission: 'granted', osVersion: '14' })
    const [target] = await collect(registry.targets({ appId, kind: 'alert' }))
    expect(target?.token).toBe(token)
    peer.script(token, 'unregistered')
    const reply = await fcm.send({ appId, token, kind: 'alert', payload: { notification: { title: 'Hi' } } })
    const report = await registry.ingest({ type: 'provider_answer', at: '2026-11-23T11:00:00Z', appId, token, provider: 'fcm', ...reply })
    expect(report.rejected).toEqual([])
    expect(await collect(registry.targets({ appId, kind: 'alert' }))).toEqual([])
    await registry.close()
  })

  it('R16, §4 table: a QUOTA_EXCEEDED without Retry-After is retried by the dispatcher after one minute, not 0.5 s', async () => {
    await start()
    fcm = provider()
    const token = newToken('quota')
    const registry = createRegistry({ apps: [{ appId, name: 'MyApp (Android)', platform: 'android' }], storage: createMemoryStorage() })
    await registry.ingest({ type: 'session_started', at: '2026-11-23T10:00:00Z', appId, deviceId: 'pixel' as DeviceId, userId: 'kim', token, permission: 'granted', osVersion: '14' })
    peer.script(token, 'quota-exceeded', 'ok')
    // The dispatcher's injectable scheduler: it records the wait and returns at once.
    const waits: number[] = []
    const dispatcher = createDispatcher({ registry, providers: { [appId]: fcm }, sleep: async (ms) => void waits.push(ms) })
    const report = await dispatcher.send({ appId, kind: 'alert', audience: { userIds: ['kim'] }, payload: { notification: { title: 'Hi' } } })
    expect(waits).toEqual([60_000])
    expect(report).toMatchObject({ delivered: 1, retries: 1 })
    await registry.close()
  })
})

describe('configuration', () => {
  it('rejects a service account whose private_key is not a key, without quoting it (S2)', () => {
    const secret = '-----BEGIN PRIVATE KEY-----\nnot-really-a-key-but-secret\n-----END PRIVATE KEY-----\n'
    const attempt = (): unknown =>
      createFcmProvider({ serviceAccount: { project_id: 'p', client_email: 'e@p', private_key: secret } })
    expect(attempt).toThrow(FcmConfigError)
    expect(attempt).toThrow(/serviceAccount\.private_key/)
    try {
      attempt()
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('not-really-a-key')
    }
  })

  it('rejects an endpoint that is not an http(s) URL', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const serviceAccount = { project_id: 'p', client_email: 'e@p', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
    expect(() => createFcmProvider({ serviceAccount, endpoint: 'ftp://x' })).toThrow(FcmConfigError)
    expect(() => createFcmProvider({ serviceAccount, maxSockets: 0 })).toThrow(/maxSockets/)
  })
})

// Last in the file (vitest runs a file's tests in order), so it sees every line logged above.
describe('S2: secrets never shown', () => {
  it('S2: no log line and no reply carries a raw registration token, access token or private key', () => {
    // Not vacuous: the tests above logged refusals with the redacted form of their tokens.
    expect(logLines.length).toBeGreaterThan(10)
    expect(logLines.some((line) => [...secrets].some((s) => s.includes(':APA91b') && line.includes(redact(s))))).toBe(true)
    expect(secrets.size).toBeGreaterThan(50)
    const shown = [...logLines, ...replies.map((r) => `${r.reason ?? ''} ${r.detail ?? ''}`)]
    for (const secret of secrets) {
      const leak = shown.find((line) => line.includes(secret))
      expect(leak, 'S2: a secret appears in a log line or reply').toBeUndefined()
    }
  })
})
