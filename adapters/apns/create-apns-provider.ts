import type { ApnsEnvironment, Clock, OutgoingPush, ProviderPort, ProviderReply } from 'push-registry'
import { redact, systemClock } from 'push-registry'
import type { EnvironmentChannel } from './environment-channel.js'
import { createEnvironmentChannel } from './environment-channel.js'
import { ApnsConfigError } from './errors.js'
import { preparePush } from './push-request.js'
import type { SigningKey } from './provider-token.js'
import { createProviderTokenSource, defaultRefreshMs } from './provider-token.js'

/** Apple's hosts for the two environments. */
export const defaultEndpoints: Readonly<Record<ApnsEnvironment, string>> = {
  production: 'https://api.push.apple.com:443',
  sandbox: 'https://api.sandbox.push.apple.com:443',
}

/** Options of `createApnsProvider`. */
export interface ApnsProviderOptions extends SigningKey {
  /** The app's bundle id, sent as `apns-topic`. Required unless `topicFor` is given. */
  readonly topic?: string
  /** The topic per push (several apps on one team key); wins over `topic`. */
  readonly topicFor?: (push: OutgoingPush) => string
  /** Origins per environment; default Apple's (`defaultEndpoints`). Tests point them at a loopback peer. */
  readonly endpoints?: { readonly production?: string; readonly sandbox?: string }
  /** Extra trust for TLS: the CA (PEM) of a test peer. Default: the system's CAs. */
  readonly tls?: { readonly ca?: string | Buffer }
  /** Time for provider-token `iat` and age, and for `retry-after` dates; default the system clock. */
  readonly clock?: Clock
  /** Receives connection events, token mints and every non-200 answer; tokens redacted (S2). */
  readonly log?: (line: string) => void
  /** Our cap on streams in flight per environment; the server's setting lowers it. Default 1,000. */
  readonly maxConcurrentStreams?: number
  /** Age at which the provider token is re-minted; default 50 minutes (20 ≤ it < 60). */
  readonly providerTokenRefreshMs?: number
  /** A connection or a stream with no answer after this long is `status: 0`; default 30 s. */
  readonly timeoutMs?: number
  /**
   * How long a push APNs refused unprocessed (`REFUSED_STREAM`, or above a GOAWAY's last
   * stream id) keeps being sent again on new connections, counted from its first refusal,
   * before it is reported as `{ status: 0, reason: 'RefusedUnprocessed' }` (transient).
   * Default 30 s.
   */
  readonly resendBudgetMs?: number
}

const checkOrigin = (environment: ApnsEnvironment, origin: string): string => {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    throw new ApnsConfigError(`endpoints.${environment} is not a URL`)
  }
  if (url.protocol !== 'https:' || url.pathname !== '/' || url.search !== '' || url.username !== '') {
    throw new ApnsConfigError(`endpoints.${environment} must be an https origin such as ${defaultEndpoints[environment]}`)
  }
  return url.origin
}

const isExpiredProviderToken = (reply: ProviderReply): boolean => reply.status === 403 && reply.reason === 'ExpiredProviderToken'

/**
 * A `ProviderPort` for Apple Push Notification service over HTTP/2 (`node:http2`) with
 * token-based authentication: an ES256 JWT signed with the team's `.p8` key, cached and
 * re-minted at 50 minutes (APNs refuses it after 60); on `403 ExpiredProviderToken` a fresh
 * one is minted (once for all requests that failed together) and the push retried once.
 * One long-lived connection per environment multiplexes up to the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS and queues beyond it, so a send of any size loses nothing;
 * after a GOAWAY new pushes go to a new connection, and a push the server refused unprocessed
 * (it never saw it) is sent again on a new connection, first in line, until `resendBudgetMs`
 * runs out; connections that answer nothing are reopened with a growing backoff. S4: a push's `environment` chooses the connection — `sandbox` only
 * ever goes to the sandbox endpoint, `production` or none only to production.
 *
 * Faults APNs would refuse anyway are answered locally without a request: a token that is not
 * hex (`400 BadDeviceToken`), a collapse id over 64 bytes (`400 BadCollapseId`), a body over
 * 4,096 bytes (`413 PayloadTooLarge`), a payload that is not a JSON object. `send` never throws;
 * a network failure, a reset stream or a timeout is `{ status: 0, detail }`, and a push refused
 * unprocessed until `resendBudgetMs` ran out is `{ status: 0, reason: 'RefusedUnprocessed', detail }`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs'
 * import { createApnsProvider } from 'push-registry/apns'
 *
 * const apns = createApnsProvider({
 *   teamId: 'ABCDE12345', keyId: 'XYZ987WVUT',
 *   privateKey: readFileSync('AuthKey_XYZ987WVUT.p8', 'utf8'),
 *   topic: 'com.example.myapp',
 * })
 * const reply = await apns.send({ appId, token, environment: 'production', kind: 'alert',
 *   payload: { aps: { alert: { title: 'Bonjour', body: 'Kim vous a écrit' } } } })
 * await registry.ingest({ type: 'provider_answer', provider: 'apns', appId, token, at: new Date().toISOString(), ...reply })
 * ```
 * @throws ApnsConfigError when the key, ids, endpoints (not https, or one origin for both
 *   environments, which would defeat S4) or refresh interval are unusable.
 */
export const createApnsProvider = (options: ApnsProviderOptions): ProviderPort => {
  const clock = options.clock ?? systemClock
  const hostLog = options.log
  // Called from stream handlers: a throwing host logger must not become an uncaught exception.
  const log = (line: string): void => {
    try {
      hostLog?.(line)
    } catch {
      // Logging is best effort.
    }
  }
  const fixedTopic = options.topic
  const topicFor = options.topicFor ?? (fixedTopic === undefined ? undefined : (): string => fixedTopic)
  if (topicFor === undefined) throw new ApnsConfigError('give topic (the bundle id) or topicFor')
  const maxConcurrentStreams = options.maxConcurrentStreams ?? 1000
  if (!Number.isInteger(maxConcurrentStreams) || maxConcurrentStreams < 1) {
    throw new ApnsConfigError('maxConcurrentStreams must be a positive integer')
  }
  const timeoutMs = options.timeoutMs ?? 30_000
  const resendBudgetMs = options.resendBudgetMs ?? 30_000
  if (!(resendBudgetMs >= 0) || !Number.isFinite(resendBudgetMs)) throw new ApnsConfigError('resendBudgetMs must be a finite number ≥ 0')
  const tokens = createProviderTokenSource(options, clock, options.providerTokenRefreshMs ?? defaultRefreshMs, log)
  const origins: Record<ApnsEnvironment, string> = {
    production: checkOrigin('production', options.endpoints?.production ?? defaultEndpoints.production),
    sandbox: checkOrigin('sandbox', options.endpoints?.sandbox ?? defaultEndpoints.sandbox),
  }
  // S4 holds only if the two environments are two places.
  if (origins.production === origins.sandbox) throw new ApnsConfigError('S4: endpoints.production and endpoints.sandbox must differ')
  // Opened on first use: a host that only ever sends to production never connects to the sandbox.
  const channels = new Map<ApnsEnvironment, EnvironmentChannel>()
  const channel = (environment: ApnsEnvironment): EnvironmentChannel => {
    let found = channels.get(environment)
    if (found === undefined) {
      found = createEnvironmentChannel({
        name: environment,
        origin: origins[environment],
        ca: options.tls?.ca,
        maxConcurrentStreams,
        timeoutMs,
        resendBudgetMs,
        clock,
        log,
      })
      channels.set(environment, found)
    }
    return found
  }
  let closed = false

  // The port's contract: `send` never throws. A fault nobody foresaw is a reply without an
  // answer (status 0: never evidence), logged by its error's name only (S2).
  const send = (push: OutgoingPush): Promise<ProviderReply> => {
    try {
      return sendChecked(push)
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error'
      log(`apns send failed in the adapter: ${name}`)
      return Promise.resolve({ status: 0, reason: 'AdapterError', detail: name })
    }
  }

  const sendChecked = (push: OutgoingPush): Promise<ProviderReply> => {
    if (closed) return Promise.resolve({ status: 0, reason: 'ProviderClosed' })
    let topic: string
    try {
      topic = topicFor(push)
    } catch {
      topic = ''
    }
    const prepared = preparePush(push, topic)
    if ('refused' in prepared) {
      log(`apns ${redact(push.token)} ${prepared.refused.status} ${prepared.refused.reason ?? ''} (${prepared.refused.detail ?? ''})`)
      return Promise.resolve(prepared.refused)
    }
    const { request } = prepared
    // S4: the environment picks the connection; nothing else may.
    const target = channel(push.environment === 'sandbox' ? 'sandbox' : 'production')
    const firstToken = tokens.current()
    return new Promise<ProviderReply>((resolve) => {
      let renewed = false
      const settle = (reply: ProviderReply): void => {
        if (isExpiredProviderToken(reply) && !renewed) {
          renewed = true
          log(`apns ${redact(request.token)} 403 ExpiredProviderToken: retrying once with a new provider token`)
          target.exchange(request, tokens.renew(firstToken), settle)
          return
        }
        if (reply.status !== 200) {
          const what = reply.status === 0 ? `no answer (${reply.detail ?? reply.reason ?? 'network'})` : `${reply.status} ${reply.reason ?? ''}`.trimEnd()
          log(`apns ${redact(request.token)} ${what}`)
        }
        resolve(reply)
      }
      target.exchange(request, firstToken, settle)
    })
  }

  return {
    provider: 'apns',
    send,
    close: async () => {
      closed = true
      await Promise.all([...channels.values()].map((c) => c.close()))
    },
  }
}
