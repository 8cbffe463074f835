import { createHash, createHmac } from 'node:crypto'
import type { SignInLimits } from './sign-in-limiter.js'
import { defaultSignInLimits } from './sign-in-limiter.js'
import { UiConfigError } from './ui-config-error.js'

/** Options of the profile page (`GET /ui/…`), given as `createHttpHandler({ ui })`. */
export interface UiOptions {
  /**
   * Support staff who may sign in: operator name → secret. Not API keys: an app's key never
   * opens the page, and an operator's secret never opens the API. Secrets: at least 16 characters.
   */
  readonly operators: Readonly<Record<string, string>>
  /**
   * Signs session cookies and CSRF tokens (HMAC-SHA256); at least 32 characters. Changing it
   * signs every operator out.
   */
  readonly sessionSecret: string
  /** How long a sign-in lasts, in seconds. Default: 8 hours. */
  readonly sessionTtlSeconds?: number
  /**
   * Whether cookies carry `Secure` (sent over HTTPS only). Default `true`; browsers treat
   * `http://localhost` and `http://127.0.0.1` as secure, so only a plain-HTTP deployment on
   * another host needs `false`.
   */
  readonly secureCookies?: boolean
  /**
   * Failed sign-ins per operator and per client address before growing lock-outs start, and
   * their lengths. Default: {@link defaultSignInLimits} (5 free failures, then 1 s doubling up to
   * 15 minutes). Counted in this process: see docs/profile-page.md for several instances.
   */
  readonly signInLimits?: Partial<SignInLimits>
  /**
   * The client address a sign-in is counted against. Default: the socket's peer address on the
   * `node:http` listener, one shared `unknown` on a Fetch runtime (so that limit then applies to
   * every client at once). Behind a reverse proxy every request comes from the proxy: return
   * the address it forwards (the entry it appends to `X-Forwarded-For`, never one the client
   * wrote).
   */
  readonly clientAddress?: (request: Request, peerAddress: string | undefined) => string | undefined
}

/** One operator, kept as digests only (the secret itself is not retained). */
export interface OperatorDigest {
  readonly name: string
  readonly nameDigest: Buffer
  readonly secretDigest: Buffer
}

/** {@link UiOptions} checked, with keys derived and defaults applied. */
export interface ResolvedUiOptions {
  readonly operators: readonly OperatorDigest[]
  /** Signs session cookies. */
  readonly sessionKey: Buffer
  /** Derives CSRF tokens. A key of its own, so a CSRF token can never pass as a cookie signature. */
  readonly csrfKey: Buffer
  readonly sessionTtlMs: number
  readonly secureCookies: boolean
  readonly signInLimits: SignInLimits
  readonly clientAddress: (request: Request, peerAddress: string | undefined) => string
}

/** SHA-256 of a string: equal-length values for `timingSafeEqual`. */
export const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest()

const defaultTtlSeconds = 8 * 60 * 60
const operatorName = /^[A-Za-z0-9._@-]{1,64}$/

/**
 * Checks the options once, when the handler is built, so a weak or empty configuration fails
 * at start-up rather than at the first sign-in.
 *
 * @throws UiConfigError naming the first option that cannot work.
 */
export const resolveUiOptions = (options: UiOptions): ResolvedUiOptions => {
  const entries = Object.entries(options.operators)
  if (entries.length === 0) throw new UiConfigError('ui.operators', 'needs at least one operator')
  for (const [name, secret] of entries) {
    if (!operatorName.test(name)) throw new UiConfigError('ui.operators', 'an operator name is 1 to 64 letters, digits or ._@-')
    if (typeof secret !== 'string' || secret.length < 16) throw new UiConfigError(`ui.operators.${name}`, 'a secret holds at least 16 characters')
  }
  if (typeof options.sessionSecret !== 'string' || options.sessionSecret.length < 32) {
    throw new UiConfigError('ui.sessionSecret', 'holds at least 32 characters')
  }
  const ttl = options.sessionTtlSeconds ?? defaultTtlSeconds
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 7 * 24 * 60 * 60) {
    throw new UiConfigError('ui.sessionTtlSeconds', 'is a whole number of seconds from 60 to 604800 (7 days)')
  }
  const signInLimits = { ...defaultSignInLimits, ...options.signInLimits }
  const whole = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max
  if (!whole(signInLimits.freeFailures, 1, 1000)) throw new UiConfigError('ui.signInLimits.freeFailures', 'is a whole number from 1 to 1000')
  if (!whole(signInLimits.firstLockMs, 1, 24 * 60 * 60 * 1000)) throw new UiConfigError('ui.signInLimits.firstLockMs', 'is a whole number of milliseconds from 1 to 86400000 (a day)')
  if (!whole(signInLimits.maxLockMs, signInLimits.firstLockMs, 7 * 24 * 60 * 60 * 1000)) {
    throw new UiConfigError('ui.signInLimits.maxLockMs', 'is a whole number of milliseconds from firstLockMs to 604800000 (7 days)')
  }
  const given = options.clientAddress
  const derive = (label: string): Buffer => createHmac('sha256', options.sessionSecret).update(label).digest()
  return {
    operators: entries.map(([name, secret]) => ({ name, nameDigest: sha256(name), secretDigest: sha256(secret) })),
    sessionKey: derive('push-registry/ui session'),
    csrfKey: derive('push-registry/ui csrf'),
    sessionTtlMs: ttl * 1000,
    secureCookies: options.secureCookies ?? true,
    signInLimits,
    clientAddress: (request, peer) => (given === undefined ? peer : given(request, peer)) ?? 'unknown',
  }
}
