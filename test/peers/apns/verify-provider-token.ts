import type { KeyObject } from 'node:crypto'
import { verify } from 'node:crypto'

/** A signing key the peer accepts provider tokens from: Apple's team id, key id and public key. */
export interface PeerSigningKey {
  readonly teamId: string
  readonly keyId: string
  readonly publicKey: KeyObject
}

/** The verdict on an `authorization` header: the APNs reason when refused. */
export type TokenVerdict =
  | { readonly ok: true; readonly issuedAtMs: number; readonly keyId: string; readonly teamId: string }
  | { readonly ok: false; readonly reason: 'MissingProviderToken' | 'InvalidProviderToken' | 'ExpiredProviderToken' }

const invalid: TokenVerdict = { ok: false, reason: 'InvalidProviderToken' }

const decodeJson = (part: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/**
 * Checks a provider token the way APNs documents it: `bearer <JWT>` with header
 * `{ alg: ES256, kid }` and claims `{ iss: teamId, iat }`, signed with the key's ECDSA P-256
 * private key, the signature being raw `r‖s` (64 bytes) in base64url. The signature and the
 * claims are checked here; the freshness of `iat` (one hour) is the caller's, since it depends
 * on the time of each request while this verdict may be cached per token string.
 */
export const verifyProviderToken = (authorization: string | undefined, keys: ReadonlyMap<string, PeerSigningKey>): TokenVerdict => {
  if (authorization === undefined || authorization === '') return { ok: false, reason: 'MissingProviderToken' }
  const match = /^bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/i.exec(authorization)
  if (match === null) return invalid
  const [, headerPart = '', claimsPart = '', signaturePart = ''] = match
  const header = decodeJson(headerPart)
  const claims = decodeJson(claimsPart)
  if (header === undefined || claims === undefined) return invalid
  if (header['alg'] !== 'ES256' || typeof header['kid'] !== 'string') return invalid
  const key = keys.get(header['kid'])
  if (key === undefined || claims['iss'] !== key.teamId) return invalid
  const iat = claims['iat']
  if (typeof iat !== 'number' || !Number.isInteger(iat)) return invalid
  const signature = Buffer.from(signaturePart, 'base64url')
  if (signature.length !== 64) return invalid
  const signed = verify('sha256', Buffer.from(`${headerPart}.${claimsPart}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature)
  return signed ? { ok: true, issuedAtMs: iat * 1000, keyId: key.keyId, teamId: key.teamId } : invalid
}
