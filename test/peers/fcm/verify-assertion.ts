import { verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** The scope FCM requires. */
export const firebaseMessagingScope = 'https://www.googleapis.com/auth/firebase.messaging'

/** What the token endpoint expects of an assertion. */
export interface AssertionExpectations {
  readonly publicKey: KeyObject
  readonly clientEmail: string
  readonly audience: string
  /** Seconds since the epoch. */
  readonly nowSeconds: number
}

/** Why an assertion was refused, as the OAuth error the token endpoint answers (RFC 6749 §5.2). */
export interface AssertionRefusal {
  readonly error: 'invalid_grant' | 'invalid_scope'
  readonly description: string
}

const decodeJson = (part: string | undefined): Record<string, unknown> | undefined => {
  if (part === undefined) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Clock skew the endpoint tolerates on `iat`. */
const skewSeconds = 60

/**
 * Checks an RFC 7523 JWT-bearer assertion the way Google's token endpoint does: RS256
 * signature by the service account's key, `iss`, `aud`, the FCM scope, and a lifetime of at
 * most an hour that contains now. Returns `undefined` when it is acceptable.
 */
export const checkAssertion = (assertion: string, expect: AssertionExpectations): AssertionRefusal | undefined => {
  const parts = assertion.split('.')
  const [header, claims, signature] = parts
  const head = decodeJson(header)
  const body = decodeJson(claims)
  if (parts.length !== 3 || head === undefined || body === undefined || signature === undefined) {
    return { error: 'invalid_grant', description: 'Invalid JWT: malformed assertion.' }
  }
  if (head['alg'] !== 'RS256' || head['typ'] !== 'JWT') return { error: 'invalid_grant', description: 'Invalid JWT: unsupported header.' }
  const signed = verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), expect.publicKey, Buffer.from(signature, 'base64url'))
  if (!signed) return { error: 'invalid_grant', description: 'Invalid JWT Signature.' }
  if (body['iss'] !== expect.clientEmail) return { error: 'invalid_grant', description: 'Invalid grant: account not found' }
  if (body['aud'] !== expect.audience) return { error: 'invalid_grant', description: 'Invalid JWT: audience does not match the token endpoint.' }
  const scopes = typeof body['scope'] === 'string' ? body['scope'].split(' ') : []
  if (!scopes.includes(firebaseMessagingScope)) return { error: 'invalid_scope', description: 'Invalid OAuth scope or ID token audience provided.' }
  const iat = body['iat']
  const exp = body['exp']
  const timely =
    typeof iat === 'number' &&
    typeof exp === 'number' &&
    exp > iat &&
    exp - iat <= 3600 &&
    iat <= expect.nowSeconds + skewSeconds &&
    exp > expect.nowSeconds
  if (!timely) {
    return {
      error: 'invalid_grant',
      description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
    }
  }
  return undefined
}
