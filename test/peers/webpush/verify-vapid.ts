import { createPublicKey, verify } from 'node:crypto'

/** The claims of a VAPID JWT the peer checked (RFC 8292 §2). */
export interface VapidClaims {
  readonly aud: string
  /** Seconds since the epoch. */
  readonly exp: number
  readonly sub: string
}

/** What the peer read from an `Authorization: vapid t=…, k=…` header. */
export interface VapidCredential {
  /** The JWT itself (`t`). */
  readonly jwt: string
  /** The application server's public key (`k`), base64url. */
  readonly publicKey: string
  readonly claims: VapidClaims
}

/** A VAPID check that failed, with the status a push service gives it (RFC 8292 §4.1). */
export interface VapidFailure {
  readonly status: 401 | 403
  readonly reason: string
}

/** What `verifyVapid` needs to know besides the header. */
export interface VapidExpectations {
  /** The push service's origin, which `aud` must equal. */
  readonly origin: string
  /** Now, seconds since the epoch. */
  readonly nowSeconds: number
  /** The key the subscription was made with (`applicationServerKey`), when one was given. */
  readonly applicationServerKey?: string
  /**
   * `t k` pairs whose signature already verified. A push service sees the same JWT for hours
   * from a sender that caches it; verifying its signature once keeps the peer from becoming
   * the bottleneck of a bench. The claims are still checked on every request.
   */
  readonly verified?: Set<string>
}

const maxLifetimeSeconds = 24 * 60 * 60
const base64url = /^[A-Za-z0-9_-]+$/

const fail = (status: 401 | 403, reason: string): { readonly ok: false; readonly failure: VapidFailure } => ({
  ok: false,
  failure: { status, reason },
})

const parseJson = (segment: string): unknown => {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The `t` and `k` parameters of a `vapid` authorization header, or `null`. */
const parseScheme = (header: string): { t: string; k: string } | null => {
  const match = /^vapid\s+(.*)$/i.exec(header.trim())
  if (match === null || match[1] === undefined) return null
  const params = new Map<string, string>()
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim())
  }
  const t = params.get('t')
  const k = params.get('k')
  return t === undefined || k === undefined ? null : { t, k }
}

/**
 * RFC 8292: checks an `Authorization: vapid t=<JWT>, k=<key>` header: an ES256 JWT whose
 * signature verifies under `k`, `aud` the push service's origin, `exp` in the future and at
 * most 24 hours ahead, a `sub` present (`mailto:` or `https:`). A key other than the one the
 * subscription was made with is a 403 (§4.2); every other failure is a 401.
 */
export const verifyVapid = (
  header: string | undefined,
  expected: VapidExpectations,
): { readonly ok: true; readonly credential: VapidCredential } | { readonly ok: false; readonly failure: VapidFailure } => {
  if (header === undefined) return fail(401, 'missing Authorization')
  const scheme = parseScheme(header)
  if (scheme === null) return fail(401, 'not a vapid authorization')
  const keyBytes = base64url.test(scheme.k) ? Buffer.from(scheme.k, 'base64url') : Buffer.alloc(0)
  if (keyBytes.length !== 65 || keyBytes[0] !== 4) return fail(401, 'k is not an uncompressed P-256 key')
  const parts = scheme.t.split('.')
  if (parts.length !== 3 || !parts.every((p) => base64url.test(p))) return fail(401, 'malformed JWT')
  const [headerPart, claimsPart, signaturePart] = parts as [string, string, string]
  const jwtHeader = parseJson(headerPart)
  if (!isRecord(jwtHeader) || jwtHeader['alg'] !== 'ES256') return fail(401, 'JWT alg is not ES256')

  const cacheKey = `${scheme.t} ${scheme.k}`
  const valid = expected.verified?.has(cacheKey) === true || signatureVerifies(headerPart, claimsPart, signaturePart, keyBytes)
  if (!valid) return fail(401, 'JWT signature does not verify under k')
  expected.verified?.add(cacheKey)

  const claims = parseJson(claimsPart)
  if (!isRecord(claims)) return fail(401, 'JWT claims are not an object')
  const { aud, exp, sub } = claims
  if (aud !== expected.origin) return fail(401, `aud ${String(aud)} is not ${expected.origin}`)
  if (typeof exp !== 'number' || !Number.isInteger(exp)) return fail(401, 'exp missing')
  if (exp <= expected.nowSeconds) return fail(401, 'JWT expired')
  if (exp > expected.nowSeconds + maxLifetimeSeconds) return fail(401, 'exp more than 24 hours ahead')
  if (typeof sub !== 'string' || !/^(mailto:|https:)/.test(sub)) return fail(401, 'sub missing or not mailto:/https:')
  if (expected.applicationServerKey !== undefined && expected.applicationServerKey !== scheme.k) {
    return fail(403, 'k is not the key this subscription was made with')
  }
  return { ok: true, credential: { jwt: scheme.t, publicKey: scheme.k, claims: { aud, exp, sub } } }
}

/** ES256: a 64-byte r‖s signature over `header.claims`, under the uncompressed P-256 key. */
const signatureVerifies = (headerPart: string, claimsPart: string, signaturePart: string, keyBytes: Buffer): boolean => {
  const signature = Buffer.from(signaturePart, 'base64url')
  if (signature.length !== 64) return false
  try {
    const key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: keyBytes.subarray(1, 33).toString('base64url'),
        y: keyBytes.subarray(33, 65).toString('base64url'),
      },
      format: 'jwk',
    })
    return verify('sha256', Buffer.from(`${headerPart}.${claimsPart}`, 'latin1'), { key, dsaEncoding: 'ieee-p1363' }, signature)
  } catch {
    return false
  }
}
