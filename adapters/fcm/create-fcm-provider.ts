import http from 'node:http'
import https from 'node:https'
import { redact, systemClock } from 'push-registry'
import type { Clock, OutgoingPush, ProviderPort, ProviderReply } from 'push-registry'
import { createAccessTokenSource } from './access-token-source.js'
import { buildMessage } from './build-message.js'
import { FcmConfigError } from './errors.js'
import { postOnce } from './http-exchange.js'
import { readSendAnswer } from './read-send-answer.js'
import { loadServiceAccount } from './service-account.js'
import type { ServiceAccount } from './service-account.js'

/** Options of `createFcmProvider`. */
export interface FcmProviderOptions {
  /** The service-account key file's content (`JSON.parse` of the file the console gives). */
  readonly serviceAccount: ServiceAccount
  /** FCM's origin. Default `https://fcm.googleapis.com`; `http:` is accepted for local peers. */
  readonly endpoint?: string
  /** The OAuth token endpoint. Default the key's `token_uri`, else `https://oauth2.googleapis.com/token`. */
  readonly tokenEndpoint?: string
  /**
   * An agent of your own for both endpoints; you keep it (`close()` leaves it open).
   * Default: a keep-alive agent per protocol, created here and destroyed by `close()`.
   */
  readonly agent?: http.Agent
  /** TLS settings of the agent created here (a private CA for a test peer). */
  readonly tls?: { readonly ca?: string | Buffer | readonly (string | Buffer)[] }
  /** Connections per origin of the agent created here. Default 16. */
  readonly maxSockets?: number
  /** Give up on a request after this long without an answer (reported as `status: 0`). Default 30 000 ms. */
  readonly timeoutMs?: number
  /** Signs assertions and ages access tokens. Default the system clock. */
  readonly clock?: Clock
  /** One line per noteworthy event (refused pushes, token exchanges). Tokens appear redacted (S2). */
  readonly log?: (line: string) => void
}

const defaultEndpoint = 'https://fcm.googleapis.com'
const defaultTokenEndpoint = 'https://oauth2.googleapis.com/token'

const parseUrl = (value: string, option: string): URL => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new FcmConfigError(option, 'is not a URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FcmConfigError(option, 'must be an https: (or http:) URL')
  return url
}

/** A `THIRD_PARTY_AUTH_ERROR` is about the APNs/Web Push credential held by Firebase: a new access token cannot fix it. */
const accessTokenRefused = (reply: ProviderReply): boolean => reply.status === 401 && reply.reason !== 'THIRD_PARTY_AUTH_ERROR'

/**
 * The FCM HTTP v1 provider adapter: one `messages:send` request per push over a kept-alive
 * connection pool, authorised by an OAuth 2.0 access token obtained from a service-account
 * key and cached until near expiry. It reports what FCM answered and never classifies it
 * (the core's `classifyAnswer` does, §4); it never throws for an answer or a network failure.
 *
 * Access-token failures are reported as the send's reply: the token endpoint refusing the
 * assertion (any 4xx but 429) → `{ status: 401, reason: 'OAUTH_…' }` (credentials); the token
 * endpoint down (429, 5xx) → its status with `reason: 'OAUTH_UNAVAILABLE'` (transient);
 * unreachable → `status: 0` (transient). A 401 from `messages:send` drops the cached access
 * token and sends once more with a fresh one; a second 401 is reported (credentials).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { createFcmProvider } from 'push-registry/fcm'
 *
 * const fcm = createFcmProvider({
 *   serviceAccount: JSON.parse(readFileSync('service-account.json', 'utf8')),
 *   log: (line) => console.info(line),
 * })
 * const reply = await fcm.send({ appId, token, kind: 'alert', payload: { notification: { title: 'Hi' } } })
 * // feed { type: 'provider_answer', provider: 'fcm', ...reply } back to the registry
 * await fcm.close()
 * ```
 */
export const createFcmProvider = (options: FcmProviderOptions): ProviderPort => {
  const account = loadServiceAccount(options.serviceAccount)
  const endpoint = parseUrl(options.endpoint ?? defaultEndpoint, 'endpoint')
  const tokenEndpoint = parseUrl(
    options.tokenEndpoint ?? options.serviceAccount.token_uri ?? defaultTokenEndpoint,
    options.tokenEndpoint === undefined ? 'serviceAccount.token_uri' : 'tokenEndpoint',
  )
  const maxSockets = options.maxSockets ?? 16
  if (!Number.isInteger(maxSockets) || maxSockets < 1) throw new FcmConfigError('maxSockets', 'must be a positive integer')
  const timeoutMs = options.timeoutMs ?? 30_000
  if (!(timeoutMs > 0)) throw new FcmConfigError('timeoutMs', 'must be a positive number')
  const clock = options.clock ?? systemClock
  const log = options.log ?? ((): void => undefined)
  const sendUrl = new URL(`/v1/projects/${encodeURIComponent(account.projectId)}/messages:send`, endpoint)

  const ownAgents = new Map<string, http.Agent>()
  const agentFor = (url: URL): http.Agent => {
    if (options.agent !== undefined) return options.agent
    let agent = ownAgents.get(url.protocol)
    if (agent === undefined) {
      agent =
        url.protocol === 'http:'
          ? new http.Agent({ keepAlive: true, maxSockets })
          : new https.Agent({ keepAlive: true, maxSockets, ...(options.tls?.ca === undefined ? {} : { ca: options.tls.ca as string | Buffer | (string | Buffer)[] }) })
      ownAgents.set(url.protocol, agent)
    }
    return agent
  }

  const accessTokens = createAccessTokenSource({ account, tokenEndpoint, agent: agentFor(tokenEndpoint), clock, timeoutMs, log })
  let closed = false

  const attempt = async (body: string, token: string): Promise<{ reply: ProviderReply; accessToken?: string }> => {
    const access = await accessTokens.get()
    if (!access.ok) return { reply: access.reply }
    if (closed) return { reply: { status: 0, detail: 'push-registry/fcm: provider closed' } }
    const outcome = await postOnce({
      url: sendUrl,
      agent: agentFor(sendUrl),
      timeoutMs,
      headers: {
        authorization: `Bearer ${access.accessToken}`,
        'content-type': 'application/json; charset=utf-8',
        accept: 'application/json',
      },
      body,
    })
    if (outcome.kind === 'network') return { reply: { status: 0, detail: outcome.cause }, accessToken: access.accessToken }
    return { reply: readSendAnswer(outcome, token, clock.now()), accessToken: access.accessToken }
  }

  const deliver = async (push: OutgoingPush): Promise<ProviderReply> => {
    if (closed) return { status: 0, detail: 'push-registry/fcm: provider closed' }
    const built = buildMessage(push, clock.now())
    const shown = redact(push.token)
    if (!built.ok) {
      log(`fcm send ${shown}: not sent (${built.reply.detail ?? ''})`)
      return built.reply
    }
    const token = built.body.message['token'] as string
    let body: string
    try {
      body = JSON.stringify(built.body)
    } catch {
      log(`fcm send ${shown}: not sent (payload is not JSON)`)
      return { status: 400, reason: 'INVALID_ARGUMENT', detail: 'push-registry/fcm: payload is not JSON-serialisable' }
    }
    let result = await attempt(body, token)
    if (accessTokenRefused(result.reply) && result.accessToken !== undefined) {
      log(`fcm send ${shown}: access token refused (401 ${result.reply.reason ?? ''}), retrying once with a fresh one`)
      accessTokens.invalidate(result.accessToken)
      result = await attempt(body, token)
    }
    const { reply } = result
    if (reply.status === 0) log(`fcm send ${shown}: no answer (${reply.detail ?? ''})`)
    else if (reply.status >= 300) log(`fcm send ${shown}: ${reply.status} ${reply.reason ?? ''}${reply.detail === undefined ? '' : ` (${reply.detail})`}`)
    return reply
  }

  const send = async (push: OutgoingPush): Promise<ProviderReply> => {
    try {
      return await deliver(push)
    } catch (error) {
      // Nothing above should throw; if it does, the port's promise still holds. Only the
      // error's name is shown: its message could quote a request (S2).
      const name = error instanceof Error ? error.name : typeof error
      log(`fcm send ${redact(push.token)}: internal failure (${name})`)
      return { status: 0, detail: `push-registry/fcm: internal failure (${name})` }
    }
  }

  const close = async (): Promise<void> => {
    closed = true
    for (const agent of ownAgents.values()) agent.destroy()
    ownAgents.clear()
  }

  return { provider: 'fcm', send, close }
}
