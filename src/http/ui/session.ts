import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ResolvedUiOptions } from './ui-options.js'
import { sha256 } from './ui-options.js'

/** A signed-in operator: who, which session (for CSRF tokens), until when (ms since the epoch). */
export interface Session {
  readonly operator: string
  readonly id: string
  readonly expiresAt: number
}

const b64 = (bytes: Buffer): string => bytes.toString('base64url')

const mac = (key: Buffer, text: string): string => b64(createHmac('sha256', key).update(text, 'utf8').digest())

/** Equal-length digests, so neither the length nor the first differing byte leaks. */
const sameText = (a: string, b: string): boolean => timingSafeEqual(sha256(a), sha256(b))

const sessionId = /^[A-Za-z0-9_-]{22}$/
const whole = /^\d{1,16}$/

/** A fresh random session or sign-in-form nonce: 128 bits. */
export const newNonce = (): string => b64(randomBytes(16))

/**
 * A new session for an operator, and its cookie value
 * `v1.<operator, base64url>.<session id>.<expiry ms>.<HMAC-SHA256 of the rest>`.
 * Sessions are stateless: nothing is stored server-side, so signing out clears the cookie but a
 * copied cookie stays valid until it expires (see docs/profile-page.md).
 */
export const openSession = (options: ResolvedUiOptions, operator: string, now: number): { session: Session; cookie: string } => {
  const session: Session = { operator, id: newNonce(), expiresAt: now + options.sessionTtlMs }
  const body = `v1.${b64(Buffer.from(operator, 'utf8'))}.${session.id}.${session.expiresAt}`
  return { session, cookie: `${body}.${mac(options.sessionKey, body)}` }
}

/**
 * The session a cookie value carries, or `null` when it is malformed, forged, expired, or names
 * an operator no longer configured (removing an operator ends their sessions).
 */
export const readSession = (options: ResolvedUiOptions, cookie: string | undefined, now: number): Session | null => {
  if (cookie === undefined || cookie.length > 512) return null
  const parts = cookie.split('.')
  if (parts.length !== 5 || parts[0] !== 'v1') return null
  const [, encodedOperator, id, expiry, signature] = parts as [string, string, string, string, string]
  if (!sameText(mac(options.sessionKey, parts.slice(0, 4).join('.')), signature)) return null
  if (!sessionId.test(id) || !whole.test(expiry)) return null
  const expiresAt = Number(expiry)
  if (expiresAt <= now) return null
  const operator = Buffer.from(encodedOperator, 'base64url').toString('utf8')
  if (!options.operators.some((o) => o.name === operator)) return null
  return { operator, id, expiresAt }
}

/** The CSRF token of a session: an HMAC of its id, so it needs no storage and dies with the session. */
export const csrfToken = (options: ResolvedUiOptions, session: Session): string => mac(options.csrfKey, `session\u0000${session.id}`)

/** Whether a form's CSRF field belongs to this session (constant time). */
export const csrfMatches = (options: ResolvedUiOptions, session: Session, presented: string | null): boolean =>
  presented !== null && sameText(csrfToken(options, session), presented)

/**
 * The sign-in form's token, bound to a nonce cookie set with the form, so a third-party page
 * cannot sign a browser in under an account of its choosing (login CSRF).
 */
export const signInToken = (options: ResolvedUiOptions, nonce: string): string => mac(options.csrfKey, `sign-in\u0000${nonce}`)

/** Whether a sign-in form's token matches its nonce cookie (constant time). */
export const signInTokenMatches = (options: ResolvedUiOptions, nonce: string | undefined, presented: string | null): boolean =>
  nonce !== undefined && sessionId.test(nonce) && presented !== null && sameText(signInToken(options, nonce), presented)

/** Whether a value could be a nonce this module made (the sign-in form reuses a valid one). */
export const isNonce = (value: string | undefined): value is string => value !== undefined && sessionId.test(value)
