import type http from 'node:http'
import type { Clock, ProviderReply } from 'push-registry'
import { postOnce } from './http-exchange.js'
import { parseJsonObject } from './json-object.js'
import { signAssertion } from './jwt-assertion.js'
import { parseRetryAfter } from './retry-after.js'
import type { LoadedServiceAccount } from './service-account.js'

/** An access token to send with, or the reply every waiting send reports instead. */
export type AccessTokenOutcome =
  | { readonly ok: true; readonly accessToken: string }
  | { readonly ok: false; readonly reply: ProviderReply }

/** Hands out OAuth access tokens for `messages:send`. */
export interface AccessTokenSource {
  /** A cached token while it is fresh; otherwise one exchange, shared by every concurrent caller. */
  readonly get: () => Promise<AccessTokenOutcome>
  /**
   * Forgets `accessToken` if it is still the cached one (FCM refused it with a 401). A token
   * already replaced by a concurrent refresh is left alone, so N refusals cost one exchange.
   */
  readonly invalidate: (accessToken: string) => void
}

/** Options of `createAccessTokenSource`. */
export interface AccessTokenSourceOptions {
  readonly account: LoadedServiceAccount
  readonly tokenEndpoint: URL
  readonly agent: http.Agent
  readonly clock: Clock
  readonly timeoutMs: number
  readonly log: (line: string) => void
}

/** Refresh this long before expiry, so that a token never expires on its way to FCM. */
const refreshMarginMs = 5 * 60 * 1000

interface Cached {
  readonly accessToken: string
  readonly refreshAt: number
}

/**
 * The OAuth 2.0 service-account flow (RFC 7523): sign an assertion, exchange it at the token
 * endpoint, cache the access token until 5 minutes before it expires (or half its life, for
 * short-lived tokens). A failed exchange is not cached: the next send tries again.
 */
export const createAccessTokenSource = (options: AccessTokenSourceOptions): AccessTokenSource => {
  let cached: Cached | undefined
  let inflight: Promise<AccessTokenOutcome> | undefined

  const exchange = async (): Promise<AccessTokenOutcome> => {
    const startedAt = options.clock.now()
    const assertion = signAssertion(options.account.key, {
      clientEmail: options.account.clientEmail,
      audience: options.tokenEndpoint.href,
      now: startedAt,
    })
    const outcome = await postOnce({
      url: options.tokenEndpoint,
      agent: options.agent,
      timeoutMs: options.timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }).toString(),
    })
    if (outcome.kind === 'network') {
      options.log(`fcm oauth: token endpoint unreachable (${outcome.cause})`)
      return { ok: false, reply: { status: 0, reason: 'OAUTH_NETWORK', detail: outcome.cause } }
    }
    const body = parseJsonObject(outcome.body)
    if (outcome.status === 200) {
      const accessToken = body?.['access_token']
      const expiresIn = body?.['expires_in']
      if (typeof accessToken === 'string' && accessToken !== '' && typeof expiresIn === 'number' && expiresIn > 0) {
        const lifetimeMs = expiresIn * 1000
        cached = { accessToken, refreshAt: startedAt + Math.max(lifetimeMs - refreshMarginMs, lifetimeMs / 2) }
        options.log(`fcm oauth: access token obtained for ${options.account.clientEmail}, valid ${expiresIn}s`)
        return { ok: true, accessToken }
      }
      options.log('fcm oauth: token endpoint answered 200 without an access token')
      return { ok: false, reply: { status: 502, reason: 'OAUTH_BAD_RESPONSE', detail: 'token endpoint answered 200 without access_token/expires_in' } }
    }
    const error = typeof body?.['error'] === 'string' ? body['error'] : undefined
    const description = typeof body?.['error_description'] === 'string' ? body['error_description'] : undefined
    const detail = [error, description].filter((part) => part !== undefined).join(': ') || `HTTP ${outcome.status}`
    options.log(`fcm oauth: token endpoint refused with ${outcome.status} (${detail})`)
    if (outcome.status === 429 || outcome.status >= 500) {
      const retryAfterSeconds = parseRetryAfter(outcome.headers['retry-after'], options.clock.now())
      return {
        ok: false,
        reply: { status: outcome.status, reason: 'OAUTH_UNAVAILABLE', detail, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
      }
    }
    if (outcome.status >= 400) {
      // §4 "OAuth 401/403": whatever 4xx the token endpoint uses (invalid_grant is a 400),
      // the credential is what is wrong, so the reply is a 401 and never a payload 400.
      const reason = `OAUTH_${(error ?? 'REFUSED').toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`
      return { ok: false, reply: { status: 401, reason, detail } }
    }
    return { ok: false, reply: { status: 502, reason: 'OAUTH_BAD_RESPONSE', detail } }
  }

  const get = (): Promise<AccessTokenOutcome> => {
    if (cached !== undefined && options.clock.now() < cached.refreshAt) {
      return Promise.resolve({ ok: true, accessToken: cached.accessToken })
    }
    if (inflight === undefined) {
      inflight = exchange().finally(() => {
        inflight = undefined
      })
    }
    return inflight
  }

  const invalidate = (accessToken: string): void => {
    if (cached?.accessToken === accessToken) cached = undefined
  }

  return { get, invalidate }
}
