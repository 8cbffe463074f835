import { Agent } from 'node:https'
import type { Clock, OutgoingPush, ProviderPort, ProviderReply, WebPushSubscription } from 'push-registry'
import { defaultLimits, endpointProblem, redact, systemClock } from 'push-registry'
import webPush from 'web-push'
import { maxPlaintextBytes, payloadBytes, withDispatchId } from './payload-bytes.js'
import type { UrgencyByKind } from './push-headers.js'
import { defaultTtlSeconds, defaultUrgency, topicOf, ttlSeconds } from './push-headers.js'
import { postPush } from './post-push.js'
import type { VapidDetails } from './vapid.js'
import { createVapidSigner } from './vapid.js'

/** Options of `createWebPushProvider`; every field but `vapid` has a default. */
export interface WebPushProviderOptions {
  /** The application server's VAPID identity (RFC 8292). */
  readonly vapid: VapidDetails
  /**
   * S1: the push-service hosts sends may go to; default the registry's own allow-list
   * (`defaultLimits.webPushHosts`). Keep it equal to the registry's `limits.webPushHosts`.
   */
  readonly allowedHosts?: readonly string[]
  /**
   * The HTTPS agent requests go through. Default: one the provider owns, keep-alive, at most
   * `maxConnections` sockets per push service, destroyed by `close()`. A given agent is left open.
   */
  readonly agent?: Agent
  /** Default 64: sockets per push-service origin of the provider's own agent. */
  readonly maxConnections?: number
  /** Time for `TTL` and VAPID `exp`; default the system clock. */
  readonly clock?: Clock
  /** Receives one line per refused send, failed answer and network error; tokens redacted (S2). */
  readonly log?: (line: string) => void
  /** VAPID JWT lifetime; default 12 hours, at most 24 (RFC 8292 §2). */
  readonly vapidLifetimeSeconds?: number
  /** `TTL` when a push has no `expiresAt`; default four weeks. */
  readonly defaultTtlSeconds?: number
  /** `Urgency` per kind; default alert `high`, background `low`. */
  readonly urgency?: Partial<UrgencyByKind>
  /** A request without an answer after this long is a network failure (`status: 0`); default 30 s. */
  readonly timeoutMs?: number
}

/** Reasons of replies the adapter makes itself, without a request (they classify as `payload`). */
export const localReasons = {
  notASubscription: 'NotAWebPushSubscription',
  endpointNotAllowed: 'EndpointNotAllowed',
  payloadNotEncodable: 'PayloadNotEncodable',
  payloadTooLarge: 'PayloadTooLarge',
  invalidKeys: 'InvalidSubscriptionKeys',
  invalidPush: 'InvalidPush',
} as const

/**
 * A `ProviderPort` for Web Push (RFC 8030) with `aes128gcm` payload encryption (RFC 8291, by
 * the `web-push` package's `encrypt`) and VAPID (RFC 8292, one JWT per push-service origin,
 * re-signed near expiry). Every send re-checks S1 (https, default port, allow-listed host)
 * and refuses locally, without a request, what fails it; redirects are reported, never
 * followed; any answer or network failure is a `ProviderReply`, never a throw.
 *
 * @example
 * ```ts
 * import { createWebPushProvider } from 'push-registry/webpush'
 *
 * const webpush = createWebPushProvider({
 *   vapid: { subject: 'mailto:push@example.com', publicKey: VAPID_PUBLIC, privateKey: VAPID_PRIVATE },
 * })
 * const reply = await webpush.send({ appId, token: subscription, kind: 'alert', payload: { title: 'Hi' } })
 * classifyAnswer({ provider: 'webpush', ...reply }) // { class: 'delivered' }, { class: 'dead' }, …
 * ```
 * @throws WebPushConfigError when the VAPID keys or the lifetime are unusable.
 */
export const createWebPushProvider = (options: WebPushProviderOptions): ProviderPort => {
  const clock = options.clock ?? systemClock
  const log = options.log ?? ((): void => {})
  const allowedHosts = options.allowedHosts ?? defaultLimits.webPushHosts
  const signer = createVapidSigner(options.vapid, options.vapidLifetimeSeconds ?? 12 * 60 * 60)
  const urgency: UrgencyByKind = { ...defaultUrgency, ...options.urgency }
  const fallbackTtl = options.defaultTtlSeconds ?? defaultTtlSeconds
  const timeoutMs = options.timeoutMs ?? 30_000
  const ownAgent = options.agent === undefined
  const agent = options.agent ?? new Agent({ keepAlive: true, maxSockets: options.maxConnections ?? 64 })
  let closed = false

  const refuse = (token: WebPushSubscription | string, status: 400 | 413, reason: string, detail: string): ProviderReply => {
    log(`webpush ${redact(token)} refused locally: ${reason} (${detail})`)
    return { status, reason, detail }
  }

  const sendOnce = async (push: OutgoingPush): Promise<ProviderReply> => {
    const token = push.token
    if (closed) return { status: 0, reason: 'ProviderClosed' }
    if (typeof token === 'string') {
      return refuse(token, 400, localReasons.notASubscription, 'a Web Push token is a subscription {endpoint, keys}')
    }
    const problem = endpointProblem(token.endpoint, allowedHosts)
    if (problem !== null) return refuse(token, 400, localReasons.endpointNotAllowed, `S1: ${problem}`)
    const url = new URL(token.endpoint)
    // Hosts in plain JavaScript can hand over anything; a wrong kind is the message's fault.
    if (push.kind !== 'alert' && push.kind !== 'background') {
      return refuse(token, 400, localReasons.invalidPush, 'kind must be alert or background')
    }
    const plaintext = payloadBytes(withDispatchId(push.payload, push.dispatchId))
    if (plaintext === undefined) return refuse(token, 400, localReasons.payloadNotEncodable, 'payload is not JSON-encodable')
    if (plaintext.length > maxPlaintextBytes) {
      return refuse(token, 413, localReasons.payloadTooLarge, `${plaintext.length} bytes, at most ${maxPlaintextBytes}`)
    }
    let body: Buffer
    try {
      body =
        plaintext.length === 0
          ? plaintext
          : webPush.encrypt(token.keys.p256dh, token.keys.auth, plaintext, 'aes128gcm').cipherText
    } catch {
      return refuse(token, 400, localReasons.invalidKeys, 'p256dh/auth cannot encrypt')
    }

    const nowMs = clock.now()
    const topic = topicOf(push.collapseId)
    const headers: Record<string, string> = {
      TTL: String(ttlSeconds(push.expiresAt, nowMs, fallbackTtl)),
      Urgency: urgency[push.kind],
      Authorization: signer.header(url.origin, nowMs),
      'Content-Length': String(body.length),
      ...(topic === undefined ? {} : { Topic: topic }),
      ...(body.length === 0 ? {} : { 'Content-Encoding': 'aes128gcm', 'Content-Type': 'application/octet-stream' }),
    }
    const reply = await postPush({
      url,
      headers,
      body,
      agent,
      timeoutMs,
      now: () => clock.now(),
      scrub: (value) => scrubToken(value, url, redact(token)),
    })
    // A rejected VAPID header may be one the service stopped accepting (clock skew, a key
    // rotated on its side): the next send signs a fresh one rather than repeat it for hours.
    if (reply.status === 401 || reply.status === 403) signer.forget(url.origin)
    if (reply.status === 0) log(`webpush ${redact(token)} network failure: ${reply.detail ?? ''}`)
    else if (reply.status < 200 || reply.status > 299) {
      log(`webpush ${redact(token)} answered ${reply.status}${reply.reason === undefined ? '' : ` ${reply.reason}`}`)
    }
    return reply
  }

  /**
   * Total: a push the checks above did not foresee (a malformed `OutgoingPush` from untyped
   * code) is a reply too, classed `payload`, so that it is reported and never retried.
   */
  const send = async (push: OutgoingPush): Promise<ProviderReply> => {
    try {
      return await sendOnce(push)
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown error'
      log(`webpush send failed in the adapter: ${name}`)
      return { status: 400, reason: localReasons.invalidPush, detail: name }
    }
  }

  return {
    provider: 'webpush',
    send,
    close: async () => {
      closed = true
      if (ownAgent) agent.destroy()
    },
  }
}

/** S2: provider text sometimes echoes the endpoint or its path; neither may reach a reply. */
const scrubToken = (value: string, endpoint: URL, redacted: string): string => {
  let out = value.split(endpoint.href).join(redacted)
  if (endpoint.pathname.length > 1) out = out.split(endpoint.pathname).join(redacted)
  return out
}
