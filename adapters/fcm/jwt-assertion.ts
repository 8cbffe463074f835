import { sign } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** The OAuth scope that lets a service account call `messages:send`. */
export const fcmScope = 'https://www.googleapis.com/auth/firebase.messaging'

/** Google caps assertions at one hour. */
const assertionLifetimeSeconds = 3600

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url')

/** What the assertion says about whom it is from and for. */
export interface AssertionClaims {
  readonly clientEmail: string
  /** The token endpoint the assertion will be posted to (`aud`). */
  readonly audience: string
  /** Milliseconds since the epoch. */
  readonly now: number
}

/**
 * The RS256-signed JWT a service account presents to the token endpoint (RFC 7523 §2.1):
 * `{ iss, scope, aud, iat, exp = iat + 3600 }`.
 */
export const signAssertion = (key: KeyObject, claims: AssertionClaims): string => {
  const iat = Math.floor(claims.now / 1000)
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))
  const body = base64url(
    JSON.stringify({
      iss: claims.clientEmail,
      scope: fcmScope,
      aud: claims.audience,
      iat,
      exp: iat + assertionLifetimeSeconds,
    }),
  )
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${body}`), key)
  return `${header}.${body}.${base64url(signature)}`
}
