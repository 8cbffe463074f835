import { createECDH, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { AgentOptions } from 'node:https'
import { DecryptError, decryptAes128gcm } from './decrypt-aes128gcm.js'
import type { ReceiverKeys } from './decrypt-aes128gcm.js'
import { LoopbackAgent } from './loopback-agent.js'
import { selfSignedCertificate } from '../self-signed-certificate.js'
import type { VapidCredential } from './verify-vapid.js'
import { verifyVapid } from './verify-vapid.js'

/**
 * One scripted answer of the peer, used for the next request to a subscription once that
 * request passed the real checks (VAPID, headers, decryption):
 * - `{ status, headers?, body? }`: answer that (a 429 with `Retry-After`, a 500, a 410…);
 * - `{ redirect }`: a redirect to another path of the peer, which records any request it gets;
 * - `{ drop: true }`: destroy the connection without an answer (a network error).
 */
export type ScriptedAnswer =
  | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string }
  | { readonly redirect: 301 | 302 | 307 | 308 }
  | { readonly drop: true }

/** A subscription as a browser's `PushSubscription.toJSON()` gives it. */
export interface PeerSubscription {
  readonly endpoint: string
  readonly keys: { readonly p256dh: string; readonly auth: string }
}

/** Options of one `subscribe()`. */
export interface SubscribeOptions {
  /**
   * The VAPID public key (base64url) the subscription is bound to, like the browser's
   * `applicationServerKey`: a send signed with another key gets a 403. Unset: any valid key.
   */
  readonly applicationServerKey?: string
  /** Answers for the next requests, in order; after them the peer answers 201. */
  readonly answers?: readonly ScriptedAnswer[]
}

/** The Web Push headers of a request, as received. */
export interface ReceivedHeaders {
  readonly ttl: string | undefined
  readonly urgency: string | undefined
  readonly topic: string | undefined
  readonly contentEncoding: string | undefined
  readonly contentType: string | undefined
}

/** A push that passed VAPID, header and decryption checks. */
export interface ReceivedMessage {
  readonly endpoint: string
  /** The decrypted payload (empty for a push without a body). */
  readonly plaintext: Buffer
  readonly headers: ReceivedHeaders
  readonly vapid: VapidCredential
  /** What the peer answered (201, or the scripted status; 0 when the connection was dropped). */
  readonly status: number
}

/** Every request the peer got, including the refused ones. */
export interface PeerRequest {
  readonly method: string
  readonly path: string
  readonly status: number
  /** Why the peer refused it, for refused requests. */
  readonly problem?: string
}

/** Options of `startWebPushPeer`. */
export interface WebPushPeerOptions {
  /** The push service's host name in endpoints and in the VAPID audience; default `push.test`. */
  readonly hostname?: string
  /** The peer's clock in ms, for VAPID `exp` checks; default `Date.now`. */
  readonly now?: () => number
  /** Largest body accepted before a 413; default 4,096 (RFC 8030 §7.2). */
  readonly maxBodyBytes?: number
}

/** A running loopback Web Push service. */
export interface WebPushPeer {
  /** `https://<hostname>`: the origin of every endpoint and the expected VAPID `aud`. */
  readonly origin: string
  readonly hostname: string
  /** Where it really listens. */
  readonly address: { readonly host: '127.0.0.1'; readonly port: number }
  /** Its self-signed certificate (PEM). */
  readonly ca: string
  /** A new subscription with fresh keys. */
  readonly subscribe: (options?: SubscribeOptions) => PeerSubscription
  /** Appends scripted answers to a subscription. */
  readonly script: (endpoint: string, answers: readonly ScriptedAnswer[]) => void
  /** Ends a subscription: later pushes to it get 410 Gone (RFC 8030 §7.3). */
  readonly unsubscribe: (endpoint: string) => void
  /** Pushes that passed every check, decrypted, in arrival order. */
  readonly received: readonly ReceivedMessage[]
  /** Every request, in arrival order. */
  readonly requests: readonly PeerRequest[]
  /** An agent that routes `hostname` to this peer on loopback (see `LoopbackAgent`). */
  readonly agent: (options?: AgentOptions) => LoopbackAgent
  readonly close: () => Promise<void>
}

interface SubscriptionState {
  readonly endpoint: string
  readonly keys: ReceiverKeys
  readonly applicationServerKey: string | undefined
  readonly answers: ScriptedAnswer[]
  gone: boolean
}

const urgencies = new Set(['very-low', 'low', 'normal', 'high'])
const topicPattern = /^[A-Za-z0-9_-]{1,32}$/

/**
 * Starts a Web Push service (RFC 8030) on `127.0.0.1`, port 0, over TLS with a throw-away
 * self-signed certificate. It issues subscriptions (a P-256 key pair and a 16-byte auth secret
 * each), and for every `POST /push/<id>` it checks what a real push service checks, in order:
 * the subscription exists (404) and is not gone (410); the VAPID JWT (401, or 403 for another
 * key than the subscription's); `TTL` present, `Urgency`/`Topic` well formed (400); the body
 * size (413) and its `aes128gcm` encryption (400). Then it answers the subscription's next
 * scripted answer, or 201 with a `Location`.
 *
 * Redirects point at `/moved/<id>`, which records the request and answers 201, so a test can
 * see whether a client followed one.
 *
 * @example
 * ```ts
 * const peer = await startWebPushPeer()
 * const subscription = peer.subscribe({ answers: [{ status: 410 }] })
 * const provider = createWebPushProvider({ vapid, allowedHosts: [peer.hostname], agent: peer.agent() })
 * await provider.send({ appId, token: subscription, kind: 'alert', payload: 'hi' }) // { status: 410 }
 * await peer.close()
 * ```
 */
export const startWebPushPeer = async (options: WebPushPeerOptions = {}): Promise<WebPushPeer> => {
  const hostname = options.hostname ?? 'push.test'
  const origin = `https://${hostname}`
  const now = options.now ?? Date.now
  const maxBodyBytes = options.maxBodyBytes ?? 4096
  const { key, cert } = selfSignedCertificate({ dns: [hostname] })
  const subscriptions = new Map<string, SubscriptionState>()
  const received: ReceivedMessage[] = []
  const requests: PeerRequest[] = []
  let nextMessage = 0
  const verified = new Set<string>()

  const answer = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    problem?: string,
    headers: Readonly<Record<string, string>> = {},
    body?: string,
  ): number => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', status, ...(problem === undefined ? {} : { problem }) })
    const text = body ?? (problem === undefined ? '' : JSON.stringify({ code: status, error: problem }))
    res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) })
    res.end(text)
    return status
  }

  const handlePush = (req: IncomingMessage, res: ServerResponse, id: string, body: Buffer): void => {
    const state = subscriptions.get(id)
    if (state === undefined) {
      answer(req, res, 404, 'no such subscription')
      return
    }
    if (state.gone) {
      answer(req, res, 410, 'subscription expired or unsubscribed')
      return
    }
    // Bounded: a sender that signs per message would otherwise grow it without end.
    if (verified.size > 10_000) verified.clear()
    const vapid = verifyVapid(req.headers.authorization, {
      origin,
      nowSeconds: Math.floor(now() / 1000),
      verified,
      ...(state.applicationServerKey === undefined ? {} : { applicationServerKey: state.applicationServerKey }),
    })
    if (!vapid.ok) {
      answer(req, res, vapid.failure.status, vapid.failure.reason)
      return
    }
    const headers: ReceivedHeaders = {
      ttl: req.headers['ttl'] as string | undefined,
      urgency: req.headers['urgency'] as string | undefined,
      topic: req.headers['topic'] as string | undefined,
      contentEncoding: req.headers['content-encoding'],
      contentType: req.headers['content-type'],
    }
    const headerProblem = checkHeaders(headers, body.length)
    if (headerProblem !== null) {
      answer(req, res, 400, headerProblem)
      return
    }
    if (body.length > maxBodyBytes) {
      answer(req, res, 413, `body of ${body.length} bytes exceeds ${maxBodyBytes}`)
      return
    }
    let plaintext: Buffer
    try {
      plaintext = body.length === 0 ? Buffer.alloc(0) : decryptAes128gcm(body, state.keys)
    } catch (error) {
      answer(req, res, 400, error instanceof DecryptError ? error.message : 'decryption failed')
      return
    }
    const scripted = state.answers.shift()
    const record = (status: number): void => {
      received.push({ endpoint: state.endpoint, plaintext, headers, vapid: vapid.credential, status })
    }
    if (scripted === undefined) {
      nextMessage += 1
      record(answer(req, res, 201, undefined, { location: `${origin}/message/${nextMessage}`, ttl: headers.ttl ?? '0' }))
    } else if ('drop' in scripted) {
      requests.push({ method: req.method ?? '', path: req.url ?? '', status: 0, problem: 'dropped (scripted)' })
      record(0)
      req.socket.destroy()
    } else if ('redirect' in scripted) {
      record(answer(req, res, scripted.redirect, undefined, { location: `${origin}/moved/${id}` }))
    } else {
      record(answer(req, res, scripted.status, undefined, scripted.headers ?? {}, scripted.body))
    }
  }

  const server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const path = req.url ?? ''
      const push = /^\/push\/([A-Za-z0-9_-]+)$/.exec(path)
      if (req.method !== 'POST') answer(req, res, 405, 'only POST')
      else if (push?.[1] !== undefined) handlePush(req, res, push[1], Buffer.concat(chunks))
      else if (path.startsWith('/moved/')) answer(req, res, 201, undefined, { location: `${origin}/message/moved` })
      else answer(req, res, 404, 'no such resource')
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port

  const byEndpoint = (endpoint: string): SubscriptionState => {
    const id = endpoint.startsWith(`${origin}/push/`) ? endpoint.slice(`${origin}/push/`.length) : ''
    const state = subscriptions.get(id)
    if (state === undefined) throw new Error('not a subscription of this peer')
    return state
  }

  return {
    origin,
    hostname,
    address: { host: '127.0.0.1', port },
    ca: cert,
    subscribe: (subscribeOptions = {}) => {
      const ecdh = createECDH('prime256v1')
      const publicKey = ecdh.generateKeys()
      const id = randomBytes(24).toString('base64url')
      const state: SubscriptionState = {
        endpoint: `${origin}/push/${id}`,
        keys: { publicKey, privateKey: ecdh.getPrivateKey(), authSecret: randomBytes(16) },
        applicationServerKey: subscribeOptions.applicationServerKey,
        answers: [...(subscribeOptions.answers ?? [])],
        gone: false,
      }
      subscriptions.set(id, state)
      return {
        endpoint: state.endpoint,
        keys: { p256dh: publicKey.toString('base64url'), auth: state.keys.authSecret.toString('base64url') },
      }
    },
    script: (endpoint, answers) => {
      byEndpoint(endpoint).answers.push(...answers)
    },
    unsubscribe: (endpoint) => {
      byEndpoint(endpoint).gone = true
    },
    received,
    requests,
    agent: (agentOptions) => new LoopbackAgent({ hostname, port, ca: cert }, agentOptions),
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())))
    },
  }
}

/** RFC 8030 §5: `TTL` is required; `Urgency` and `Topic` must be well formed; RFC 8291 §4 encoding. */
const checkHeaders = (headers: ReceivedHeaders, bodyLength: number): string | null => {
  if (headers.ttl === undefined || !/^\d+$/.test(headers.ttl)) return 'TTL header missing or not a non-negative integer'
  if (headers.urgency !== undefined && !urgencies.has(headers.urgency)) return `unknown Urgency ${headers.urgency}`
  if (headers.topic !== undefined && !topicPattern.test(headers.topic)) return 'Topic must be 1 to 32 base64url characters'
  if (bodyLength > 0 && headers.contentEncoding !== 'aes128gcm') return 'Content-Encoding must be aes128gcm'
  return null
}
