import type { AppId, Clock, OutgoingPush, ProviderPort, WebPushSubscription } from 'push-registry'
import { classifyAnswer } from 'push-registry'
import { createWebPushProvider, localReasons } from 'push-registry/webpush'
import webPush from 'web-push'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { LoopbackAgent, ScriptedAnswer, WebPushPeer } from '../../test/peers/webpush/index.js'
import { startWebPushPeer } from '../../test/peers/webpush/index.js'

const appId = 'web-app' as AppId
const t0 = Date.parse('2026-11-23T10:00:00Z')
const vapid = { subject: 'mailto:ops@example.com', ...webPush.generateVAPIDKeys() }

/** A clock the test moves by hand; shared by the adapter and the peer (VAPID `exp` checks). */
const manualClock = (start: number): Clock & { advance: (ms: number) => void } => {
  let now = start
  return { now: () => now, advance: (ms) => (now += ms) }
}

describe('createWebPushProvider against the loopback Web Push peer', () => {
  const clock = manualClock(t0)
  const logLines: string[] = []
  const replies: unknown[] = []
  const secrets: string[] = [vapid.privateKey]
  let peer: WebPushPeer
  let agent: LoopbackAgent
  let provider: ProviderPort

  beforeAll(async () => {
    peer = await startWebPushPeer({ now: clock.now })
    agent = peer.agent()
    provider = createWebPushProvider({
      vapid,
      allowedHosts: [peer.hostname],
      agent,
      clock,
      log: (line) => logLines.push(line),
    })
  })
  afterAll(async () => {
    await provider.close()
    agent.destroy()
    await peer.close()
  })

  /** A subscription whose endpoint, path id and keys the S2 check looks for in every log line. */
  const subscribe = (answers: readonly ScriptedAnswer[] = []): WebPushSubscription => {
    const subscription = peer.subscribe({ applicationServerKey: vapid.publicKey, answers })
    secrets.push(subscription.endpoint, new URL(subscription.endpoint).pathname.split('/').at(-1) ?? '', subscription.keys.p256dh, subscription.keys.auth)
    return subscription
  }

  const send = async (token: OutgoingPush['token'], push: Partial<OutgoingPush> = {}) => {
    const reply = await provider.send({ appId, token, kind: 'alert', payload: 'hello', ...push })
    replies.push(reply)
    return reply
  }

  describe('§4 Web Push rows, round-tripped: peer answer → reply → classifyAnswer', () => {
    const rows: readonly [string, ScriptedAnswer | null, string, boolean?][] = [
      ['201', null, 'delivered'],
      ['200', { status: 200 }, 'delivered'],
      ['404', { status: 404 }, 'dead'],
      ['410', { status: 410 }, 'dead'],
      ['401 (VAPID)', { status: 401 }, 'credentials'],
      ['403 (VAPID)', { status: 403 }, 'credentials'],
      ['400', { status: 400 }, 'payload'],
      ['413', { status: 413 }, 'payload'],
      ['429', { status: 429 }, 'transient', true],
      ['500', { status: 500 }, 'transient', true],
      ['503', { status: 503 }, 'transient', true],
      ['a network error', { drop: true }, 'transient', true],
    ]
    it.each(rows)('R15: a peer answer of %s classifies as %s', async (_, scripted, expected, recognised) => {
      const subscription = subscribe(scripted === null ? [] : [scripted])
      const reply = await send(subscription)
      const expectedStatus = scripted === null ? 201 : 'status' in scripted ? scripted.status : 0
      expect(reply.status).toBe(expectedStatus)
      const answer = classifyAnswer({ provider: 'webpush', ...reply })
      expect(answer.class).toBe(expected)
      if (recognised !== undefined) expect(answer).toEqual({ class: 'transient', recognised })
      // The push passed the peer's real checks before its scripted answer: it was decrypted.
      expect(peer.received.at(-1)?.plaintext.toString()).toBe('hello')
    })

    it("a JSON payload carries the send's dispatchId for the SDK's delivery report; strings and the payload's own id are kept", async () => {
      await send(subscribe(), { payload: { title: 'hi' }, dispatchId: 'd-1' })
      expect(JSON.parse(peer.received.at(-1)?.plaintext.toString() ?? '')).toEqual({ title: 'hi', dispatchId: 'd-1' })
      await send(subscribe(), { payload: { dispatchId: 'mine' }, dispatchId: 'd-1' })
      expect(JSON.parse(peer.received.at(-1)?.plaintext.toString() ?? '')).toEqual({ dispatchId: 'mine' })
      await send(subscribe(), { dispatchId: 'd-1' })
      expect(peer.received.at(-1)?.plaintext.toString()).toBe('hello')
    })

    it('R16: 429 with Retry-After reports the delay to honour', async () => {
      const reply = await send(subscribe([{ status: 429, headers: { 'retry-after': '120' } }]))
      expect(reply).toMatchObject({ status: 429, retryAfterSeconds: 120 })
      const dated = await send(subscribe([{ status: 503, headers: { 'retry-after': new Date(t0 + 90_000).toUTCString() } }]))
      expect(dated.retryAfterSeconds).toBe(90)
    })

    it('R15: a real 410 for an unsubscribed endpoint is dead', async () => {
      const subscription = subscribe()
      peer.unsubscribe(subscription.endpoint)
      const reply = await send(subscription)
      expect(reply.status).toBe(410)
      expect(classifyAnswer({ provider: 'webpush', ...reply }).class).toBe('dead')
    })

    it('R16: a real 403 for a subscription made with another VAPID key is credentials, never dead', async () => {
      const other = peer.subscribe({ applicationServerKey: webPush.generateVAPIDKeys().publicKey })
      secrets.push(other.endpoint, other.keys.p256dh, other.keys.auth)
      const reply = await send(other)
      expect(reply.status).toBe(403)
      expect(classifyAnswer({ provider: 'webpush', ...reply })).toEqual({ class: 'credentials', refresh: false })
    })

    it('reads reason and detail from a JSON error body', async () => {
      const reply = await send(subscribe([{ status: 400, body: JSON.stringify({ code: 400, errno: 110, error: 'Bad Request', message: 'Invalid Topic' }) }]))
      expect(reply).toMatchObject({ status: 400, reason: 'Bad Request', detail: 'Invalid Topic' })
      const apple = await send(subscribe([{ status: 403, body: '{"reason":"BadJwtToken"}' }]))
      expect(apple).toMatchObject({ status: 403, reason: 'BadJwtToken' })
    })
  })

  describe('payload (RFC 8291 aes128gcm)', () => {
    it.each([
      ['a string', 'Bonjour Kim ✓', 'Bonjour Kim ✓'],
      ['an object, as JSON', { title: 'Hi', n: 3 }, '{"title":"Hi","n":3}'],
      ['bytes, as they are', new Uint8Array([104, 105]), 'hi'],
    ])('decrypted by the peer, %s equals what was sent', async (_, payload, text) => {
      const subscription = subscribe()
      expect((await send(subscription, { payload })).status).toBe(201)
      const message = peer.received.at(-1)
      expect(message?.endpoint).toBe(subscription.endpoint)
      expect(message?.plaintext.toString('utf8')).toBe(text)
      expect(message?.headers.contentEncoding).toBe('aes128gcm')
    })

    it('the largest payload that fits 4,096 bytes goes through, one byte more is refused locally with 413', async () => {
      const subscription = subscribe()
      const before = peer.requests.length
      expect((await send(subscription, { payload: 'x'.repeat(3993) })).status).toBe(201)
      expect(peer.received.at(-1)?.plaintext.length).toBe(3993)
      const tooLarge = await send(subscription, { payload: 'x'.repeat(3994) })
      expect(tooLarge).toMatchObject({ status: 413, reason: localReasons.payloadTooLarge })
      expect(classifyAnswer({ provider: 'webpush', ...tooLarge }).class).toBe('payload')
      expect(peer.requests.length).toBe(before + 1)
    })

    it('no payload sends an empty push without Content-Encoding', async () => {
      expect((await send(subscribe(), { payload: undefined })).status).toBe(201)
      expect(peer.received.at(-1)?.plaintext.length).toBe(0)
      expect(peer.received.at(-1)?.headers.contentEncoding).toBeUndefined()
    })

    it('R16: keys that cannot encrypt are refused locally as payload, never dead', async () => {
      const subscription = subscribe()
      const before = peer.requests.length
      const reply = await send({ ...subscription, keys: { ...subscription.keys, p256dh: 'AAAA' } })
      expect(reply).toMatchObject({ status: 400, reason: localReasons.invalidKeys })
      expect(classifyAnswer({ provider: 'webpush', ...reply }).class).toBe('payload')
      expect(peer.requests.length).toBe(before)
    })
  })

  describe('RFC 8030 headers', () => {
    it('TTL counts the seconds to expiresAt, defaults to four weeks, and is 0 once past', async () => {
      const subscription = subscribe()
      await send(subscription, { expiresAt: clock.now() + 3_600_500 })
      expect(peer.received.at(-1)?.headers.ttl).toBe('3601')
      await send(subscription)
      expect(peer.received.at(-1)?.headers.ttl).toBe('2419200')
      await send(subscription, { expiresAt: clock.now() - 1 })
      expect(peer.received.at(-1)?.headers.ttl).toBe('0')
    })

    it('R27: alerts go with Urgency high, background pushes with low', async () => {
      const subscription = subscribe()
      await send(subscription, { kind: 'alert' })
      expect(peer.received.at(-1)?.headers.urgency).toBe('high')
      await send(subscription, { kind: 'background' })
      expect(peer.received.at(-1)?.headers.urgency).toBe('low')
    })

    it('Topic is the collapseId when it is ≤ 32 base64url characters, a stable 32-character hash otherwise', async () => {
      const subscription = subscribe()
      await send(subscription, { collapseId: 'order-42' })
      expect(peer.received.at(-1)?.headers.topic).toBe('order-42')
      await send(subscription, { collapseId: 'commande n°42 pour Charlie et Kim, mise à jour' })
      const hashed = peer.received.at(-1)?.headers.topic
      expect(hashed).toMatch(/^[A-Za-z0-9_-]{32}$/)
      await send(subscription, { collapseId: 'commande n°42 pour Charlie et Kim, mise à jour' })
      expect(peer.received.at(-1)?.headers.topic).toBe(hashed)
      await send(subscription)
      expect(peer.received.at(-1)?.headers.topic).toBeUndefined()
    })
  })

  describe('RFC 8292 VAPID', () => {
    it('one JWT per origin is reused across sends, then re-signed near its expiry', async () => {
      const subscription = subscribe()
      const second = subscribe()
      await send(subscription)
      const first = peer.received.at(-1)?.vapid
      await send(second)
      clock.advance(60 * 60 * 1000)
      await send(subscription)
      expect(peer.received.at(-1)?.vapid.jwt).toBe(first?.jwt)
      expect(peer.received.at(-2)?.vapid.jwt).toBe(first?.jwt)
      expect(first?.claims.aud).toBe(peer.origin)
      expect(first?.claims.sub).toBe(vapid.subject)

      // 12 h lifetime, renewed 10 minutes before: 11 h 50 min after signing is the first renewal.
      const signedAt = (first?.claims.exp ?? 0) - 12 * 3600
      clock.advance((signedAt + 11 * 3600 + 50 * 60) * 1000 - clock.now() - 1000)
      await send(subscription)
      expect(peer.received.at(-1)?.vapid.jwt).toBe(first?.jwt)
      clock.advance(1000)
      await send(subscription)
      const renewed = peer.received.at(-1)?.vapid
      expect(renewed?.jwt).not.toBe(first?.jwt)
      expect(renewed?.claims.exp).toBe(Math.floor(clock.now() / 1000) + 12 * 3600)
    })

    it('R16: after a 401 the next send signs a fresh JWT instead of repeating the refused one', async () => {
      const subscription = subscribe([{ status: 401 }])
      await send(subscription)
      const refused = peer.received.at(-1)?.vapid.jwt
      await send(subscription)
      expect(peer.received.at(-1)?.status).toBe(201)
      expect(peer.received.at(-1)?.vapid.jwt).not.toBe(refused)
    })
  })

  describe('S1: the endpoint is re-checked before every send', () => {
    it.each([
      ['a host off the allow-list', 'https://evil.test/push/abcdefghijklmnop'],
      ['plain http', `http://push.test/push/abcdefghijklmnop`],
      ['a non-default port', `https://push.test:8443/push/abcdefghijklmnop`],
      ['user info', `https://user:pw@push.test/push/abcdefghijklmnop`],
      ['not a URL', 'push.test/abcdefghijklmnop'],
    ])('S1: %s is refused locally, as payload, without any request', async (_, endpoint) => {
      const subscription = subscribe()
      const before = peer.requests.length
      const reply = await send({ ...subscription, endpoint })
      expect(reply).toMatchObject({ status: 400, reason: localReasons.endpointNotAllowed })
      expect(classifyAnswer({ provider: 'webpush', ...reply }).class).toBe('payload')
      expect(peer.requests.length).toBe(before)
    })

    it('S1: the default allow-list is the registry\'s, so the loopback peer is not on it', async () => {
      const strict = createWebPushProvider({ vapid, agent, clock })
      const before = peer.requests.length
      const reply = await strict.send({ appId, token: subscribe(), kind: 'alert', payload: 'hello' })
      expect(reply.reason).toBe(localReasons.endpointNotAllowed)
      expect(peer.requests.length).toBe(before)
      await strict.close()
    })

    it('a string token is not a Web Push subscription and is refused locally', async () => {
      const reply = await send('f'.repeat(64))
      expect(reply).toMatchObject({ status: 400, reason: localReasons.notASubscription })
    })

    it('S1: a 301 is reported as is and never followed; §4 has no row for it (transient, unrecognised)', async () => {
      const reply = await send(subscribe([{ redirect: 301 }]))
      expect(reply.status).toBe(301)
      expect(classifyAnswer({ provider: 'webpush', ...reply })).toEqual({ class: 'transient', recognised: false })
      expect(peer.requests.some((r) => r.path.startsWith('/moved/'))).toBe(false)
    })
  })

  it('S2: a provider error body echoing the endpoint reaches the reply redacted', async () => {
    const subscription = subscribe()
    peer.script(subscription.endpoint, [
      { status: 404, body: JSON.stringify({ error: 'NotFound', message: `no subscription at ${subscription.endpoint}` }) },
    ])
    const reply = await send(subscription)
    expect(reply.detail).toMatch(/^no subscription at push\.test\/…/)
    expect(reply.detail).not.toContain(subscription.endpoint)
  })

  it('S2: an endpoint spelled with backslashes is logged by its parsed host; its path never shows', async () => {
    const subscription = subscribe([{ status: 410 }])
    const { origin, pathname } = new URL(subscription.endpoint)
    const spelled = `${origin}${pathname.split('/').join('\\')}`
    const reply = await send({ ...subscription, endpoint: spelled })
    expect(reply.status).toBe(410)
    const line = logLines.at(-1) ?? ''
    expect(line).toMatch(new RegExp(`^webpush ${peer.hostname.replace(/\./g, '\\.')}/…\\S{4} answered 410`))
    expect(line).not.toContain(pathname.split('/').at(-1))
  })

  it.each([
    ['an unknown kind', { kind: 'loud' }],
    ['a subscription without keys', { token: { endpoint: 'https://push.test/push/abcdefghijklmnopqr' } }],
    ['no token at all', { token: undefined }],
  ])('R16: %s from untyped code never throws and is refused as payload', async (_, broken) => {
    const before = peer.requests.length
    const reply = await provider.send({ appId, token: subscribe(), kind: 'alert', payload: 'x', ...(broken as object) } as OutgoingPush)
    expect(reply.status).toBe(400)
    expect(classifyAnswer({ provider: 'webpush', ...reply }).class).toBe('payload')
    expect(peer.requests.length).toBe(before)
  })

  it('a closed provider sends nothing and answers status 0', async () => {
    const closing = createWebPushProvider({ vapid, allowedHosts: [peer.hostname], agent, clock })
    await closing.close()
    const before = peer.requests.length
    expect((await closing.send({ appId, token: subscribe(), kind: 'alert', payload: 'x' })).status).toBe(0)
    expect(peer.requests.length).toBe(before)
  })

  afterEach(() => {
    // S2, over every test above: log lines and replies carry no endpoint, key or VAPID secret.
    const text = [...logLines, ...replies.map((r) => JSON.stringify(r))].join('\n')
    for (const secret of secrets) {
      if (secret.length > 0) expect(text).not.toContain(secret)
    }
  })

  it('S2: the log has one line per refused or failed send, each with a redacted token', () => {
    expect(logLines.length).toBeGreaterThan(10)
    for (const line of logLines) expect(line).toMatch(/^webpush ((\S{6}…\S{4}|\S*\/…\S{0,4}|…) (refused locally|answered|network failure)|send failed in the adapter: \w+$)/)
  })
})
