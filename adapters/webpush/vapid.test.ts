import { createWebPushProvider, WebPushConfigError } from 'push-registry/webpush'
import webPush from 'web-push'
import { describe, expect, it } from 'vitest'
import { verifyVapid } from '../../test/peers/webpush/index.js'
import { createVapidSigner } from './vapid.js'

const keys = webPush.generateVAPIDKeys()
const vapid = { subject: 'mailto:ops@example.com', publicKey: keys.publicKey, privateKey: keys.privateKey }
const t0 = Date.parse('2026-11-23T10:00:00Z')

describe('VAPID signer (RFC 8292)', () => {
  it('signs one JWT per push-service origin, each with its own aud, verifiable under k', () => {
    const signer = createVapidSigner(vapid, 3600)
    const a = signer.header('https://fcm.googleapis.com', t0)
    const b = signer.header('https://web.push.apple.com', t0)
    expect(a).not.toBe(b)
    expect(signer.header('https://fcm.googleapis.com', t0 + 1000)).toBe(a)
    const checked = verifyVapid(b, { origin: 'https://web.push.apple.com', nowSeconds: t0 / 1000, applicationServerKey: keys.publicKey })
    expect(checked).toMatchObject({ ok: true, credential: { claims: { aud: 'https://web.push.apple.com', exp: t0 / 1000 + 3600 } } })
  })

  it('re-signs after forget, and when the clock went back before the signing time', () => {
    const signer = createVapidSigner(vapid, 3600)
    const first = signer.header('https://push.test', t0)
    signer.forget('https://push.test')
    const second = signer.header('https://push.test', t0)
    expect(second).not.toBe(first)
    expect(signer.header('https://push.test', t0 - 5000)).not.toBe(second)
  })

  it('renews a quarter of the lifetime before expiry when the lifetime is short', () => {
    const signer = createVapidSigner(vapid, 120)
    const first = signer.header('https://push.test', t0)
    expect(signer.header('https://push.test', t0 + 89_000)).toBe(first)
    expect(signer.header('https://push.test', t0 + 90_000)).not.toBe(first)
  })
})

describe('createWebPushProvider configuration', () => {
  it.each([
    ['a lifetime above 24 hours (RFC 8292 §2)', { vapidLifetimeSeconds: 24 * 3600 + 1 }],
    ['a subject that is neither mailto: nor https:', { vapid: { ...vapid, subject: 'ops@example.com' } }],
    ['a public key of the wrong length', { vapid: { ...vapid, publicKey: keys.publicKey.slice(0, 40) } }],
    ['keys that are not a pair', { vapid: { ...vapid, publicKey: webPush.generateVAPIDKeys().publicKey } }],
  ])('S2: rejects %s with a WebPushConfigError that shows no key', (_, override) => {
    let thrown: unknown
    try {
      createWebPushProvider({ vapid, ...override })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(WebPushConfigError)
    const message = (thrown as Error).message
    expect(message).not.toContain(keys.privateKey)
    expect(message).not.toContain(keys.publicKey)
  })
})
