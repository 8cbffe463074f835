import { createHash, generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import type { AnswerClass, AppId, ApnsEnvironment, Clock, OutgoingPush, ProviderReply } from 'push-registry'
import { classifyAnswer, redact } from 'push-registry'
import type { ApnsProviderOptions } from 'push-registry/apns'
import { ApnsConfigError, createApnsProvider, localReasons } from 'push-registry/apns'
import { afterEach, describe, expect, it } from 'vitest'
import type { ApnsScriptedAnswer } from '../peers/apns/index.js'
import { adapterBed } from './adapter-bed.js'

const appId = 'ios' as AppId
const topic = 'com.example.charlie'
const alert = { aps: { alert: { title: 'Bonjour Charlie', body: 'Kim vous a écrit' }, sound: 'default' } }

// Every token the tests use and every log line the adapters write: the last test checks S2 on them.
const usedTokens = new Set<string>()
const logLines: string[] = []
let tokenCounter = 0
/** A fresh 64-hex-digit device token, as iOS issues them. */
const newToken = (): string => {
  tokenCounter += 1
  const token = createHash('sha256').update(`device-${tokenCounter}`).digest('hex')
  usedTokens.add(token)
  return token
}

const classOf = (reply: ProviderReply): AnswerClass => classifyAnswer({ provider: 'apns', status: reply.status, reason: reply.reason, detail: reply.detail })

const alertTo = (token: string, extra: Partial<OutgoingPush> = {}): OutgoingPush => ({ appId, token, kind: 'alert', payload: alert, ...extra })

/** A clock tests move by hand. */
const manualClock = (start: number): Clock & { advance: (ms: number) => void } => {
  let now = start
  return { now: () => now, advance: (ms) => (now += ms) }
}

const { certificate, peer, providerFor, track, closeAll } = adapterBed(topic, { log: (line) => logLines.push(line) })
afterEach(closeAll)

describe('§4: every APNs answer round-trips to its class', () => {
  const rows: readonly (readonly [string, AnswerClass['class'], ApnsScriptedAnswer])[] = [
    ['200', 'delivered', { status: 200 }],
    ['410 Unregistered', 'dead', { status: 410, reason: 'Unregistered', timestamp: 1_700_000_000_123 }],
    ['410 ExpiredToken', 'dead', { status: 410, reason: 'ExpiredToken' }],
    ['400 BadDeviceToken', 'ambiguous', { status: 400, reason: 'BadDeviceToken' }],
    ['400 DeviceTokenNotForTopic', 'ambiguous', { status: 400, reason: 'DeviceTokenNotForTopic' }],
    ['400 TopicDisallowed', 'credentials', { status: 400, reason: 'TopicDisallowed' }],
    ['403 BadCertificate', 'credentials', { status: 403, reason: 'BadCertificate' }],
    ['403 BadCertificateEnvironment', 'credentials', { status: 403, reason: 'BadCertificateEnvironment' }],
    ['403 Forbidden', 'credentials', { status: 403, reason: 'Forbidden' }],
    ['403 InvalidProviderToken', 'credentials', { status: 403, reason: 'InvalidProviderToken' }],
    ['403 MissingProviderToken', 'credentials', { status: 403, reason: 'MissingProviderToken' }],
    ['429 TooManyProviderTokenUpdates', 'credentials', { status: 429, reason: 'TooManyProviderTokenUpdates' }],
    ['400 BadCollapseId', 'payload', { status: 400, reason: 'BadCollapseId' }],
    ['400 BadExpirationDate', 'payload', { status: 400, reason: 'BadExpirationDate' }],
    ['400 BadPriority', 'payload', { status: 400, reason: 'BadPriority' }],
    ['400 BadTopic', 'payload', { status: 400, reason: 'BadTopic' }],
    ['400 InvalidPushType', 'payload', { status: 400, reason: 'InvalidPushType' }],
    ['400 MissingTopic', 'payload', { status: 400, reason: 'MissingTopic' }],
    ['400 PayloadEmpty', 'payload', { status: 400, reason: 'PayloadEmpty' }],
    ['404 BadPath', 'payload', { status: 404, reason: 'BadPath' }],
    ['405 MethodNotAllowed', 'payload', { status: 405, reason: 'MethodNotAllowed' }],
    ['413 PayloadTooLarge', 'payload', { status: 413, reason: 'PayloadTooLarge' }],
    ['400 IdleTimeout', 'transient', { status: 400, reason: 'IdleTimeout' }],
    ['429 TooManyRequests', 'transient', { status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '7' } }],
    ['500 InternalServerError', 'transient', { status: 500, reason: 'InternalServerError' }],
    ['503 ServiceUnavailable', 'transient', { status: 503, reason: 'ServiceUnavailable' }],
    ['503 Shutdown', 'transient', { status: 503, reason: 'Shutdown' }],
    ['a reset stream (network error)', 'transient', { reset: true }],
    ['a dropped connection (network error)', 'transient', { drop: true }],
  ]

  it.each(rows)('R15: APNs %s classifies as %s', async (_name, expected, scripted) => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    apns.script(token, [scripted])
    const reply = await provider.send(alertTo(token))
    expect(classOf(reply).class).toBe(expected)
    if ('status' in scripted) {
      expect(reply.status).toBe(scripted.status)
      expect(reply.reason).toBe(scripted.reason)
    } else {
      expect(reply.status).toBe(0)
    }
  })

  it('R17: a 410 Unregistered carries its timestamp (ms) into the reply', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    apns.script(token, [{ status: 410, reason: 'Unregistered', timestamp: 1_763_900_000_456 }])
    expect(await provider.send(alertTo(token))).toEqual({ status: 410, reason: 'Unregistered', timestamp: 1_763_900_000_456 })
  })

  it('R16: a 429 with retry-after reports retryAfterSeconds', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    apns.script(token, [{ status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '7' } }])
    expect(await provider.send(alertTo(token))).toEqual({ status: 429, reason: 'TooManyRequests', retryAfterSeconds: 7 })
  })

  it('§4: 403 ExpiredProviderToken that persists after the one retry is reported as credentials with refresh', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    apns.script(token, [
      { status: 403, reason: 'ExpiredProviderToken' },
      { status: 403, reason: 'ExpiredProviderToken' },
      { status: 403, reason: 'ExpiredProviderToken' },
    ])
    const reply = await provider.send(alertTo(token))
    expect(classOf(reply)).toEqual({ class: 'credentials', refresh: true })
    expect(apns.received.filter((p) => p.token === token)).toHaveLength(2)
  })

  it('§4: the peer\'s own refusals classify too: a wrong signing key is credentials, a foreign topic credentials', async () => {
    const apns = await peer({ topics: [topic] })
    const credentials = apns.credentials
    if (credentials === undefined) throw new Error('no key')
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const forged = providerFor(apns, { privateKey: otherKey })
    const token = newToken()
    const forgedReply = await forged.send(alertTo(token))
    expect(forgedReply).toMatchObject({ status: 403, reason: 'InvalidProviderToken' })
    expect(classOf(forgedReply).class).toBe('credentials')
    const wrongTopic = providerFor(apns, { topic: 'com.example.other' })
    const topicReply = await wrongTopic.send(alertTo(token))
    expect(topicReply).toMatchObject({ status: 400, reason: 'TopicDisallowed' })
    expect(classOf(topicReply).class).toBe('credentials')
  })
})

describe('headers and body', () => {
  it('an alert goes out as apns-push-type alert, priority 10, with topic, expiration (s), collapse id and dispatchId', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    const reply = await provider.send(alertTo(token, { collapseId: 'inbox-42', expiresAt: 1_763_903_600_999, dispatchId: 'd-1' as OutgoingPush['dispatchId'] }))
    expect(reply).toEqual({ status: 200 })
    const [push] = apns.received
    expect(push).toMatchObject({ token, topic, pushType: 'alert', priority: 10, expiration: '1763903600', collapseId: 'inbox-42' })
    expect(push?.payload).toEqual({ ...alert, dispatchId: 'd-1' })
  })

  it('a background push is apns-push-type background, always priority 5, with content-available: 1', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    const reply = await provider.send({ appId, token, kind: 'background', payload: { aps: {}, sync: 'inbox' } })
    expect(reply.status).toBe(200)
    const [push] = apns.received
    expect(push).toMatchObject({ pushType: 'background', priority: 5, expiration: undefined, collapseId: undefined })
    expect(push?.payload).toEqual({ aps: { 'content-available': 1 }, sync: 'inbox' })
  })

  it('R27: a background push is silent: aps.alert, badge and sound are dropped, the rest of aps and the custom keys kept', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    const payload = { aps: { alert: { title: 'Bonjour', body: 'Kim vous a écrit' }, badge: 3, sound: 'default', 'thread-id': 'inbox' }, sync: 'inbox' }
    const reply = await provider.send({ appId, token, kind: 'background', payload })
    expect(reply.status).toBe(200)
    const [push] = apns.received
    expect(push).toMatchObject({ pushType: 'background', priority: 5 })
    expect(push?.payload).toEqual({ aps: { 'thread-id': 'inbox', 'content-available': 1 }, sync: 'inbox' })
    // The host's payload is not changed in place: the same object can serve an alert.
    expect(payload.aps).toHaveProperty('alert')
    await provider.send(alertTo(token, { payload }))
    expect(apns.received[1]?.payload['aps']).toEqual(payload.aps)
  })

  it('a payload that already names its dispatchId keeps it; topicFor chooses the topic per push', async () => {
    const apns = await peer()
    const provider = providerFor(apns, { topic: undefined, topicFor: (push) => `com.example.${push.appId}` })
    const token = newToken()
    await provider.send(alertTo(token, { payload: { ...alert, dispatchId: 'mine' }, dispatchId: 'd-2' as OutgoingPush['dispatchId'] }))
    expect(apns.received[0]?.payload['dispatchId']).toBe('mine')
    expect(apns.received[0]?.topic).toBe('com.example.ios')
  })

  it('faults APNs would refuse are answered locally, with APNs reasons, and send nothing', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    const big = { aps: { alert: 'x'.repeat(5000) } }
    const cases: readonly (readonly [OutgoingPush, number, string, AnswerClass['class']])[] = [
      [alertTo(token, { payload: big }), 413, 'PayloadTooLarge', 'payload'],
      [alertTo(token, { collapseId: 'c'.repeat(65) }), 400, 'BadCollapseId', 'payload'],
      [alertTo(token, { collapseId: 'inbox\r\napns-priority: 10' }), 400, 'BadCollapseId', 'payload'],
      [alertTo(token, { collapseId: 'a\u0000b' }), 400, 'BadCollapseId', 'payload'],
      [alertTo('zz../../3/device/00'), 400, 'BadDeviceToken', 'ambiguous'],
      [alertTo(token, { payload: 'hello' }), 400, localReasons.payloadNotAnObject, 'payload'],
      [{ ...alertTo(token), token: { endpoint: 'https://fcm.googleapis.com/x', keys: { p256dh: 'a', auth: 'b' } } }, 400, localReasons.notAnApnsToken, 'payload'],
    ]
    for (const [push, status, reason, expected] of cases) {
      const reply = await provider.send(push)
      expect(reply).toMatchObject({ status, reason })
      expect(classOf(reply).class).toBe(expected)
    }
    expect(apns.stats.requests).toBe(0)
  })

  it('I11: a topic holding a control character is refused locally as 400 BadTopic; the other pushes go out on the same connection', async () => {
    const apns = await peer()
    const provider = providerFor(apns, { topic: undefined, topicFor: (push) => (push.collapseId === 'bad' ? 'com.example\nx' : topic) })
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => provider.send(alertTo(newToken(), i === 7 ? { collapseId: 'bad' } : {}))))
    expect(replies[7]).toMatchObject({ status: 400, reason: 'BadTopic' })
    expect(classOf(replies[7] as ProviderReply).class).toBe('payload')
    expect(replies.filter((r) => r.status === 200)).toHaveLength(19)
    expect(apns.stats).toMatchObject({ requests: 19, sessions: 1 })
  })
})

describe('S4: environments', () => {
  it('S4: a sandbox token goes only to the sandbox endpoint; production and unspecified only to production', async () => {
    const production = await peer()
    const credentials = production.credentials
    const publicKey = production.publicKey
    if (credentials === undefined || publicKey === undefined) throw new Error('no key')
    // The sandbox host trusts the same team key as production, as Apple's two hosts do.
    const sandboxPeer = await peer({ signingKeys: [{ teamId: credentials.teamId, keyId: credentials.keyId, publicKey }] })
    const provider = createApnsProvider({
      ...credentials,
      topic,
      endpoints: { production: production.origin, sandbox: sandboxPeer.origin },
      tls: { ca: certificate().cert },
      log: (line) => logLines.push(line),
    })
    track(provider)
    const sandboxToken = newToken()
    const productionToken = newToken()
    const unspecifiedToken = newToken()
    const envs: readonly (readonly [string, ApnsEnvironment | undefined])[] = [
      [sandboxToken, 'sandbox'],
      [productionToken, 'production'],
      [unspecifiedToken, undefined],
    ]
    for (const [token, environment] of envs) {
      const push = environment === undefined ? alertTo(token) : alertTo(token, { environment })
      expect((await provider.send(push)).status).toBe(200)
    }
    expect(sandboxPeer.received.map((p) => p.token)).toEqual([sandboxToken])
    expect(production.received.map((p) => p.token)).toEqual([productionToken, unspecifiedToken])
  })
})

describe('provider token (JWT)', () => {
  it('signs ES256 with kid and iss, iat in seconds from the clock, and reuses one token across pushes', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 23, 9, 0, 0, 500))
    const apns = await peer({ now: clock.now })
    const provider = providerFor(apns, { clock })
    for (let i = 0; i < 5; i++) expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    expect(apns.stats.providerTokens).toBe(1)
    expect(apns.received[0]?.issuedAtMs).toBe(Date.UTC(2026, 10, 23, 9, 0, 0))
  })

  it('§4: 403 ExpiredProviderToken mints a new token and retries that push once, successfully', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    apns.script(token, [{ expireProviderToken: true }])
    expect(await provider.send(alertTo(token))).toEqual({ status: 200 })
    expect(apns.received.filter((p) => p.token === token).map((p) => p.status)).toEqual([403, 200])
    expect(apns.stats.providerTokens).toBe(2)
  })

  it('§4: concurrent pushes refused with the same expired token share one new mint', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const tokens = Array.from({ length: 200 }, newToken)
    apns.script(tokens[0] as string, [{ expireProviderToken: true }])
    const replies = await Promise.all(tokens.map((token) => provider.send(alertTo(token))))
    expect(replies.every((r) => r.status === 200)).toBe(true)
    expect(apns.stats.providerTokens).toBe(2)
  })

  it('re-mints by age: the same token for 49 minutes, a new one at 51, never one APNs would call expired', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 23, 9, 0, 0))
    const apns = await peer({ now: clock.now })
    const provider = providerFor(apns, { clock })
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    clock.advance(49 * 60_000)
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    expect(apns.stats.providerTokens).toBe(1)
    clock.advance(2 * 60_000)
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    expect(apns.stats.providerTokens).toBe(2)
    clock.advance(50 * 60_000)
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    expect(apns.stats.providerTokens).toBe(3)
  })

  it('a token older than one hour by the peer\'s clock is refused, retried exactly once, then reported', async () => {
    const start = Date.UTC(2026, 10, 23, 9, 0, 0)
    const peerClock = manualClock(start + 61 * 60_000)
    const apns = await peer({ now: peerClock.now })
    const provider = providerFor(apns, { clock: manualClock(start) })
    const token = newToken()
    const reply = await provider.send(alertTo(token))
    expect(reply).toMatchObject({ status: 403, reason: 'ExpiredProviderToken' })
    expect(apns.answers.filter((a) => a.token === token)).toHaveLength(2)
  })
})

describe('connection: streams, GOAWAY, reconnection', () => {
  it('honours the server\'s SETTINGS_MAX_CONCURRENT_STREAMS and queues the rest: 2,000 pushes, 10 streams', async () => {
    const apns = await peer({ maxConcurrentStreams: 10 })
    const provider = providerFor(apns)
    const replies = await Promise.all(Array.from({ length: 2000 }, () => provider.send(alertTo(newToken()))))
    expect(replies.filter((r) => r.status === 200)).toHaveLength(2000)
    expect(apns.stats.maxConcurrent).toBeLessThanOrEqual(10)
    expect(apns.stats.sessions).toBe(1)
  })

  it('503 Shutdown then GOAWAY: the push reports 503, later pushes go over a new connection and succeed', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    apns.script(token, [{ status: 503, reason: 'Shutdown', goaway: true }])
    const reply = await provider.send(alertTo(token))
    expect(reply).toEqual({ status: 503, reason: 'Shutdown' })
    expect(classOf(reply)).toEqual({ class: 'transient', recognised: true })
    const later = await Promise.all(Array.from({ length: 20 }, () => provider.send(alertTo(newToken()))))
    expect(later.every((r) => r.status === 200)).toBe(true)
    expect(apns.stats.goaways).toBe(1)
    expect(apns.stats.sessions).toBe(2)
  })

  it('a GOAWAY amid 2,000 pushes in flight: every push gets an answer, the others all 200', async () => {
    const apns = await peer({ maxConcurrentStreams: 100 })
    const provider = providerFor(apns)
    const tokens = Array.from({ length: 2000 }, newToken)
    apns.script(tokens[500] as string, [{ status: 503, reason: 'Shutdown', goaway: true }])
    const replies = await Promise.all(tokens.map((token) => provider.send(alertTo(token))))
    expect(replies[500]).toEqual({ status: 503, reason: 'Shutdown' })
    const others = replies.filter((_, i) => i !== 500)
    expect(others.filter((r) => r.status === 200)).toHaveLength(1999)
    expect(apns.stats.sessions).toBeGreaterThanOrEqual(2)
  })

  it('a GOAWAY naming an earlier last stream: pushes refused unprocessed are sent again on a new connection, none lost or doubled', async () => {
    const apns = await peer({ maxConcurrentStreams: 100 })
    const provider = providerFor(apns)
    const tokens = Array.from({ length: 2000 }, newToken)
    apns.script(tokens[500] as string, [{ status: 503, reason: 'Shutdown', goaway: 'refuse-later' }])
    const replies = await Promise.all(tokens.map((token) => provider.send(alertTo(token))))
    expect(replies[500]).toEqual({ status: 503, reason: 'Shutdown' })
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1999)
    // Streams were opened past the GOAWAY's last id, and were resent rather than failed.
    expect(apns.stats.requests).toBeGreaterThan(2000)
    expect(apns.stats.answered).toBe(2000)
    expect(new Set(apns.received.map((p) => p.token)).size).toBe(2000)
  })

  it('a GOAWAY on an idle connection: the next push reconnects', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    apns.goaway()
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    expect(apns.stats.sessions).toBe(2)
  })

  it('a dropped connection fails its pushes with status 0 and the next push reconnects', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    const token = newToken()
    apns.script(token, [{ drop: true }])
    expect((await provider.send(alertTo(token))).status).toBe(0)
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    expect(apns.stats.sessions).toBe(2)
  })

  it('no server at the endpoint: status 0 (transient), never a throw', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const { port } = holder.address() as AddressInfo
    await new Promise<void>((resolve) => holder.close(() => resolve()))
    const apns = await peer()
    const provider = providerFor(apns, { endpoints: { production: `https://127.0.0.1:${port}` } })
    const replies = await Promise.all([provider.send(alertTo(newToken())), provider.send(alertTo(newToken()))])
    for (const reply of replies) {
      expect(reply).toMatchObject({ status: 0, detail: 'ECONNREFUSED' })
      expect(classOf(reply).class).toBe('transient')
    }
  })

  it('a stream left unanswered past timeoutMs is status 0 ETIMEDOUT (transient), and its slot is freed', async () => {
    const apns = await peer({ maxConcurrentStreams: 1 })
    const provider = providerFor(apns, { timeoutMs: 200 })
    const stalled = newToken()
    apns.script(stalled, [{ hold: true }])
    const [first, second] = await Promise.all([provider.send(alertTo(stalled)), provider.send(alertTo(newToken()))])
    expect(first).toEqual({ status: 0, detail: 'ETIMEDOUT' })
    expect(classOf(first as ProviderReply).class).toBe('transient')
    expect(second?.status).toBe(200)
  })

  it('a server that accepts TCP but never speaks: the connection attempt times out as status 0', async () => {
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    try {
      const apns = await peer()
      const provider = providerFor(apns, { timeoutMs: 200, endpoints: { production: `https://127.0.0.1:${port}` } })
      expect(await provider.send(alertTo(newToken()))).toEqual({ status: 0, detail: 'ETIMEDOUT' })
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  it('after close(), a send answers status 0 ProviderClosed without a request', async () => {
    const apns = await peer()
    const provider = providerFor(apns)
    expect((await provider.send(alertTo(newToken()))).status).toBe(200)
    await provider.close()
    expect(await provider.send(alertTo(newToken()))).toEqual({ status: 0, reason: 'ProviderClosed' })
    expect(apns.stats.requests).toBe(1)
  })

  it('no loss at any size: 50,000 alerts in one call get 50,000 answers, all 200', async () => {
    const apns = await peer({ record: false, maxConcurrentStreams: 1000 })
    const provider = providerFor(apns)
    const count = 50_000
    const token = (i: number): string => i.toString(16).padStart(64, '0')
    const replies = await Promise.all(Array.from({ length: count }, (_, i) => provider.send(alertTo(token(i)))))
    expect(replies).toHaveLength(count)
    expect(replies.filter((r) => r.status === 200)).toHaveLength(count)
    expect(apns.stats.answered).toBe(count)
    expect(apns.stats.maxConcurrent).toBeLessThanOrEqual(1000)
  })
})

describe('configuration', () => {
  it('refuses unusable keys and settings with ApnsConfigError, never quoting the key', async () => {
    const apns = await peer()
    const credentials = apns.credentials
    if (credentials === undefined) throw new Error('no key')
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const secretLooking = '-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49SECRETSECRET\n-----END PRIVATE KEY-----'
    const bad: readonly Partial<ApnsProviderOptions>[] = [
      { privateKey: secretLooking },
      { privateKey: rsa },
      { teamId: '' },
      { providerTokenRefreshMs: 10 * 60_000 },
      { providerTokenRefreshMs: 60 * 60_000 },
      { endpoints: { production: 'http://127.0.0.1:1' } },
      { endpoints: { production: 'https://127.0.0.1:8443', sandbox: 'https://127.0.0.1:8443/' } },
      { topic: undefined },
      { maxConcurrentStreams: 0 },
      { resendBudgetMs: -1 },
      { resendBudgetMs: Number.NaN },
    ]
    for (const options of bad) {
      let thrown: unknown
      try {
        createApnsProvider({ ...credentials, topic, ...options })
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(ApnsConfigError)
      expect((thrown as Error).message).not.toContain('SECRET')
      expect((thrown as Error).message).not.toContain('PRIVATE KEY')
    }
  })
})

describe('S2', () => {
  it('S2: no log line written during these tests holds a raw token; failures name the redacted form', () => {
    expect(logLines.length).toBeGreaterThan(20)
    // A redacted token shows 6 + 4 hex digits; any longer hex run in a log line is a leak.
    const hexRuns = logLines.flatMap((line) => line.match(/[0-9a-fA-F]{11,}/g) ?? [])
    expect(hexRuns).toEqual([])
    expect(logLines.filter((line) => [...usedTokens].some((token) => line.includes(token)))).toEqual([])
    const named = [...usedTokens].filter((token) => logLines.some((line) => line.includes(redact(token))))
    expect(named.length).toBeGreaterThan(10)
  })
})
