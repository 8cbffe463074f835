import webPush from 'web-push'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WebPushPeer } from '../peers/webpush/index.js'
import { startWebPushPeer } from '../peers/webpush/index.js'

/**
 * The peer is checked against an implementation it shares no code with, `web-push`'s own
 * `sendNotification`: if the peer's RFC 8291 decryption or VAPID check were wrong, these fail,
 * so the adapter's tests against the peer mean something.
 */
describe('the loopback Web Push peer, driven by web-push', () => {
  let peer: WebPushPeer
  const vapid = webPush.generateVAPIDKeys()
  const vapidDetails = { subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey }

  beforeAll(async () => {
    peer = await startWebPushPeer()
  })
  afterAll(async () => {
    await peer.close()
  })

  const sendWithWebPush = async (
    subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
    payload: string | Buffer,
    details = vapidDetails,
  ): Promise<number> => {
    const agent = peer.agent()
    try {
      const result = await webPush.sendNotification(subscription, payload, { vapidDetails: details, agent, TTL: 60 })
      return result.statusCode
    } catch (error) {
      if (error instanceof webPush.WebPushError) return error.statusCode
      throw error
    } finally {
      agent.destroy()
    }
  }

  it('RFC 8291: decrypts what web-push encrypted, byte for byte', async () => {
    const subscription = peer.subscribe()
    const payload = JSON.stringify({ title: 'Bonjour Charlie', body: 'é✓'.repeat(300) })
    expect(await sendWithWebPush(subscription, payload)).toBe(201)
    const message = peer.received.at(-1)
    expect(message?.endpoint).toBe(subscription.endpoint)
    expect(message?.plaintext.toString('utf8')).toBe(payload)
    expect(message?.headers).toMatchObject({ ttl: '60', contentEncoding: 'aes128gcm' })
  })

  it('RFC 8292: accepts web-push VAPID and reads its claims', async () => {
    const subscription = peer.subscribe({ applicationServerKey: vapid.publicKey })
    expect(await sendWithWebPush(subscription, 'hi')).toBe(201)
    const claims = peer.received.at(-1)?.vapid.claims
    expect(claims?.aud).toBe(peer.origin)
    expect(claims?.sub).toBe('mailto:ops@example.com')
    expect(peer.received.at(-1)?.vapid.publicKey).toBe(vapid.publicKey)
  })

  it('RFC 8292 §4.2: a key other than the subscription\'s applicationServerKey gets 403', async () => {
    const other = webPush.generateVAPIDKeys()
    const subscription = peer.subscribe({ applicationServerKey: vapid.publicKey })
    const status = await sendWithWebPush(subscription, 'hi', { ...vapidDetails, ...other })
    expect(status).toBe(403)
  })

  it('RFC 8292: a JWT signed by a key other than k gets 401', async () => {
    const subscription = peer.subscribe()
    const details = webPush.generateRequestDetails(subscription, 'hi', { vapidDetails })
    const forged = details.headers['Authorization']?.toString().replace(/k=.*$/, `k=${webPush.generateVAPIDKeys().publicKey}`)
    const res = await rawPost(peer, subscription.endpoint, { ...details.headers, Authorization: forged ?? '' }, details.body)
    expect(res).toBe(401)
  })

  it('RFC 8291: a body altered in transit fails authentication and gets 400', async () => {
    const subscription = peer.subscribe()
    const details = webPush.generateRequestDetails(subscription, 'secret', { vapidDetails })
    const body = Buffer.from(details.body)
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 1
    expect(await rawPost(peer, subscription.endpoint, details.headers, body)).toBe(400)
    expect(peer.requests.at(-1)?.problem).toMatch(/authentication/)
  })

  it('RFC 8030: an unsubscribed endpoint gets 410 and an unknown one 404', async () => {
    const subscription = peer.subscribe()
    peer.unsubscribe(subscription.endpoint)
    expect(await sendWithWebPush(subscription, 'hi')).toBe(410)
    expect(await sendWithWebPush({ ...subscription, endpoint: `${peer.origin}/push/nobody` }, 'hi')).toBe(404)
  })
})

/** A POST through the peer's agent with exactly these headers and body. */
const rawPost = async (
  peer: WebPushPeer,
  endpoint: string,
  headers: Record<string, string | number | undefined>,
  body: Buffer,
): Promise<number> => {
  const { request } = await import('node:https')
  const agent = peer.agent()
  const url = new URL(endpoint)
  const clean = Object.fromEntries(Object.entries(headers).filter((e): e is [string, string | number] => e[1] !== undefined))
  try {
    return await new Promise<number>((resolve, reject) => {
      const req = request({ method: 'POST', hostname: url.hostname, path: url.pathname, headers: clean, agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      req.on('error', reject)
      req.end(body)
    })
  } finally {
    agent.destroy()
  }
}
