import type { KeyObject } from 'node:crypto'
import { createPrivateKey, sign } from 'node:crypto'
import type { Clock } from 'push-registry'
import { ApnsConfigError } from './errors.js'

/** APNs refuses a provider token whose `iat` is more than an hour old. */
export const providerTokenLifetimeMs = 60 * 60 * 1000
/**
 * APNs answers `429 TooManyProviderTokenUpdates` to a key re-minted more often than every
 * 20 minutes, so an age-based refresh may not come sooner than that.
 */
export const minRefreshMs = 20 * 60 * 1000
/** Default age at which a provider token is re-minted: ten minutes of margin before the hour. */
export const defaultRefreshMs = 50 * 60 * 1000

/** The team's token signing key, as Apple issues it. */
export interface SigningKey {
  readonly teamId: string
  readonly keyId: string
  /** The `.p8` file's content (PKCS#8 PEM of an EC P-256 key). */
  readonly privateKey: string
}

/** Mints and caches the provider token (ES256 JWT) every request carries. */
export interface ProviderTokenSource {
  /** The cached token, re-minted first when it is `refreshMs` old (or the clock went back). */
  readonly current: () => string
  /**
   * The token to retry with after APNs answered `ExpiredProviderToken` to `stale`: a fresh
   * one, minted once however many requests failed with `stale` at the same time.
   */
  readonly renew: (stale: string) => string
  /** Tokens minted so far. */
  readonly mints: () => number
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Parses the `.p8` key once; refuses anything but an EC P-256 private key. */
export const parseSigningKey = (pem: string): KeyObject => {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch {
    // The parser's message could quote the input; ours never does.
    throw new ApnsConfigError('privateKey is not a PEM private key (expected the .p8 file content)')
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ApnsConfigError('privateKey must be an EC P-256 key (APNs signs provider tokens with ES256)')
  }
  return key
}

/**
 * The provider token of APNs token-based authentication: header `{ alg: 'ES256', kid }`,
 * claims `{ iss: teamId, iat }` (seconds), signed with the team's key; the signature is the
 * raw `r‖s` pair (IEEE P1363), not DER, base64url-encoded.
 */
export const createProviderTokenSource = (key: SigningKey, clock: Clock, refreshMs: number, log: (line: string) => void): ProviderTokenSource => {
  if (key.teamId === '' || key.keyId === '') throw new ApnsConfigError('teamId and keyId must not be empty')
  if (!(refreshMs >= minRefreshMs && refreshMs < providerTokenLifetimeMs)) {
    throw new ApnsConfigError(`providerTokenRefreshMs must be at least ${minRefreshMs} and below ${providerTokenLifetimeMs}`)
  }
  const privateKey = parseSigningKey(key.privateKey)
  const header = base64url({ alg: 'ES256', kid: key.keyId })
  let token = ''
  let mintedAt = 0
  let mints = 0

  const mint = (): string => {
    const now = clock.now()
    const claims = base64url({ iss: key.teamId, iat: Math.floor(now / 1000) })
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key: privateKey, dsaEncoding: 'ieee-p1363' })
    token = `${header}.${claims}.${signature.toString('base64url')}`
    mintedAt = now
    mints += 1
    log(`apns provider token minted (kid ${key.keyId}, mint #${mints})`)
    return token
  }

  return {
    current: () => {
      const age = clock.now() - mintedAt
      return token !== '' && age >= 0 && age < refreshMs ? token : mint()
    },
    // Requests that failed together all carry the same stale token: the first renews, the
    // others find a different current token and reuse it (no mint storm, no 429).
    renew: (stale) => (token !== stale && token !== '' ? token : mint()),
    mints: () => mints,
  }
}
