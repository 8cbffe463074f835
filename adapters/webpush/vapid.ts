import type { KeyObject } from 'node:crypto'
import { createECDH, createPrivateKey, sign } from 'node:crypto'
import { WebPushConfigError } from './errors.js'

/** The application server's VAPID identity (RFC 8292). */
export interface VapidDetails {
  /** A contact for the push service's operators: `mailto:` or `https:`. */
  readonly subject: string
  /** Uncompressed P-256 public key, base64url (65 bytes): the `applicationServerKey` browsers subscribed with. */
  readonly publicKey: string
  /** The private key, base64url (32 bytes). */
  readonly privateKey: string
}

/** RFC 8292 §2: a VAPID JWT may not be valid for more than 24 hours. */
export const maxVapidLifetimeSeconds = 24 * 60 * 60

/** Builds and caches `Authorization: vapid …` headers, one per push-service origin. */
export interface VapidSigner {
  /** The header for `origin` at `nowMs`: the cached one, or a freshly signed one near expiry. */
  readonly header: (origin: string, nowMs: number) => string
  /** Drops `origin`'s cached header, so that the next send signs anew. */
  readonly forget: (origin: string) => void
}

const base64url = /^[A-Za-z0-9_-]+$/

const decodeKey = (value: string, bytes: number, what: string): Buffer => {
  const decoded = base64url.test(value) ? Buffer.from(value, 'base64url') : Buffer.alloc(0)
  if (decoded.length !== bytes) throw new WebPushConfigError(`vapid.${what} must be ${bytes} bytes of base64url`)
  return decoded
}

/** Reads the key pair once, checking that the two halves belong together. */
const importKeys = (details: VapidDetails): KeyObject => {
  const publicKey = decodeKey(details.publicKey, 65, 'publicKey')
  const privateKey = decodeKey(details.privateKey, 32, 'privateKey')
  let derived: Buffer
  try {
    const ecdh = createECDH('prime256v1')
    ecdh.setPrivateKey(privateKey)
    derived = ecdh.getPublicKey()
  } catch {
    throw new WebPushConfigError('vapid.privateKey is not a P-256 private key')
  }
  if (!derived.equals(publicKey)) throw new WebPushConfigError('vapid.publicKey does not match vapid.privateKey')
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: privateKey.toString('base64url'),
      x: publicKey.subarray(1, 33).toString('base64url'),
      y: publicKey.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  })
}

const segment = (value: unknown): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url')

/**
 * RFC 8292: one ES256 JWT per push-service origin (`aud`), valid for `lifetimeSeconds`, reused
 * until `refreshMarginSeconds` before it expires. Signing is the dearest step of a send after
 * the payload encryption, and the JWT does not depend on the message, so it is paid once per
 * origin per lifetime instead of once per push.
 */
export const createVapidSigner = (details: VapidDetails, lifetimeSeconds: number): VapidSigner => {
  if (!/^(mailto:|https:)/.test(details.subject)) {
    throw new WebPushConfigError('vapid.subject must be a mailto: or https: URI')
  }
  if (!Number.isInteger(lifetimeSeconds) || lifetimeSeconds < 60 || lifetimeSeconds > maxVapidLifetimeSeconds) {
    throw new WebPushConfigError(`vapidLifetimeSeconds must be an integer from 60 to ${maxVapidLifetimeSeconds}`)
  }
  const key = importKeys(details)
  const jwtHeader = segment({ typ: 'JWT', alg: 'ES256' })
  // Leaves room for clock skew and for requests in flight when the header is reused late.
  const refreshMarginSeconds = Math.min(600, Math.floor(lifetimeSeconds / 4))
  const cache = new Map<string, { readonly header: string; readonly signedAt: number; readonly renewAt: number }>()

  const signFor = (origin: string, nowSeconds: number): string => {
    const claims = segment({ aud: origin, exp: nowSeconds + lifetimeSeconds, sub: details.subject })
    const signature = sign('sha256', Buffer.from(`${jwtHeader}.${claims}`, 'latin1'), { key, dsaEncoding: 'ieee-p1363' })
    return `vapid t=${jwtHeader}.${claims}.${signature.toString('base64url')}, k=${details.publicKey}`
  }

  return {
    header: (origin, nowMs) => {
      const nowSeconds = Math.floor(nowMs / 1000)
      const cached = cache.get(origin)
      // A clock that went back would make a reused `exp` lie beyond the 24-hour limit.
      if (cached !== undefined && nowSeconds >= cached.signedAt && nowSeconds < cached.renewAt) return cached.header
      const header = signFor(origin, nowSeconds)
      cache.set(origin, { header, signedAt: nowSeconds, renewAt: nowSeconds + lifetimeSeconds - refreshMarginSeconds })
      return header
    },
    forget: (origin) => {
      cache.delete(origin)
    },
  }
}
