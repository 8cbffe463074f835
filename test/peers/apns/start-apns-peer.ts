import type { KeyObject } from 'node:crypto'
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import type { Http2Session, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2'
import { constants, createSecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { CertificatePair as LoopbackCertificate } from '../self-signed-certificate.js'
import { loopbackCertificate } from '../self-signed-certificate.js'
import type { PeerSigningKey, TokenVerdict } from './verify-provider-token.js'
import { verifyProviderToken } from './verify-provider-token.js'

/**
 * One scripted answer, used for the next request to a device token once that request passed
 * every real check (path, provider token, headers, body):
 * - `{ status, reason?, timestamp?, headers?, goaway? }`: answer that status with the JSON body
 *   `{ reason, timestamp }` APNs uses; `goaway: true` then closes the session gracefully (a
 *   GOAWAY frame, in-flight streams finish), as APNs does with `503 Shutdown`; `goaway:
 *   'refuse-later'` sends a GOAWAY whose last stream id is this request's, so every stream the
 *   client opened after it is refused unprocessed (`REFUSED_STREAM`, never answered or counted);
 * - `{ expireProviderToken: true }`: `403 ExpiredProviderToken`, and the provider token this
 *   request carried stays refused for every later request, so only a newly minted one passes;
 * - `{ reset: true }`: reset the stream without an answer (`RST_STREAM`), a network failure;
 * - `{ drop: true }`: destroy the whole connection, every stream on it unanswered;
 * - `{ hold: true }`: never answer (a stalled stream), until the client gives up or the peer closes.
 */
export type ApnsScriptedAnswer =
  | {
      readonly status: number
      readonly reason?: string
      readonly timestamp?: number
      readonly headers?: Readonly<Record<string, string>>
      readonly goaway?: boolean | 'refuse-later'
    }
  | { readonly expireProviderToken: true }
  | { readonly reset: true }
  | { readonly drop: true }
  | { readonly hold: true }

/** A push the peer accepted for processing (all checks passed), with what it answered. */
export interface ReceivedPush {
  readonly token: string
  readonly topic: string
  readonly pushType: string
  readonly priority: number
  readonly expiration: string | undefined
  readonly collapseId: string | undefined
  readonly apnsId: string
  readonly payload: Record<string, unknown>
  /** `iat` of the provider token it carried, ms since the epoch. */
  readonly issuedAtMs: number
  /** The status answered (`0` for a reset or a drop). */
  readonly status: number
  /** 1 for the first connection the peer accepted, 2 for the next… */
  readonly session: number
}

/** Every answer, including refusals by the checks (which never reach `received`). */
export interface AnsweredRequest {
  readonly token: string | undefined
  readonly status: number
  readonly reason: string | undefined
}

/** Counters, live. */
export interface ApnsPeerStats {
  /** Streams opened by clients. */
  requests: number
  /** Requests answered with a status (resets and drops are not answers). */
  answered: number
  readonly byStatus: Record<string, number>
  /** Connections accepted. */
  sessions: number
  /** Sessions the peer closed with a GOAWAY (scripted or `goaway()`). */
  goaways: number
  /** Streams refused unprocessed after a `refuse-later` GOAWAY. */
  refusedStreams: number
  /** Distinct provider tokens (JWT strings) that passed the signature check. */
  providerTokens: number
  /** The most streams in flight on one session at any time. */
  maxConcurrent: number
}

/** Options of `startApnsPeer`; all have defaults. */
export interface ApnsPeerOptions {
  /**
   * The keys provider tokens may be signed with. Default: one P-256 key the peer makes, whose
   * private half is given back in `credentials` for the client under test.
   */
  readonly signingKeys?: readonly PeerSigningKey[]
  /** `apns-topic` values this team may push to; others get `400 TopicDisallowed`. Default: any. */
  readonly topics?: readonly string[]
  /** `SETTINGS_MAX_CONCURRENT_STREAMS` the peer announces (and nghttp2 enforces); default 1,000. */
  readonly maxConcurrentStreams?: number
  /** The peer's clock for provider-token age (refused after one hour); default `Date.now`. */
  readonly now?: () => number
  /** Keep every accepted push in `received` and every answer in `answers`; default true. */
  readonly record?: boolean
  /** Largest body accepted; APNs allows 4,096 bytes for alert and background pushes. */
  readonly maxPayloadBytes?: number
  /** The TLS certificate to serve; default a fresh self-signed one for 127.0.0.1. */
  readonly certificate?: LoopbackCertificate
  /**
   * After every this many requests processed on one session, a GOAWAY whose last stream id is
   * the highest one processed: every later stream the client opened on that session is refused
   * unprocessed (`REFUSED_STREAM`, as with `goaway: 'refuse-later'`). APNs does close
   * connections at times of its choosing; this makes it happen all through a large send.
   * Default: never.
   */
  readonly goawayEvery?: number
}

/** What a test signs provider tokens with when the peer made the key. */
export interface PeerCredentials {
  readonly teamId: string
  readonly keyId: string
  /** PKCS#8 PEM, like the `.p8` file Apple hands out. */
  readonly privateKey: string
}

/** A running APNs peer. */
export interface ApnsPeer {
  /** `https://127.0.0.1:<port>`: give it to the adapter as an endpoint. */
  readonly origin: string
  /** The certificate (PEM) clients must trust. */
  readonly ca: string
  readonly certificate: LoopbackCertificate
  /** Set when the peer made its own signing key (no `signingKeys` option). */
  readonly credentials: PeerCredentials | undefined
  /** The public key provider tokens are checked with, when the peer made its own. */
  readonly publicKey: KeyObject | undefined
  /** Queues answers for the next requests to `token`; after them the peer answers 200. */
  readonly script: (token: string, answers: readonly ApnsScriptedAnswer[]) => void
  readonly received: ReceivedPush[]
  readonly answers: AnsweredRequest[]
  readonly stats: ApnsPeerStats
  /** Sends a GOAWAY on every open session and lets their streams finish. */
  readonly goaway: () => void
  /**
   * While on, every new stream is refused unprocessed (`RST_STREAM REFUSED_STREAM`, counted in
   * `refusedStreams`) and nothing is answered: a front end that accepts connections but cannot
   * take work. Off by default.
   */
  readonly refuseStreams: (on: boolean) => void
  readonly close: () => Promise<void>
}

const pushTypes = new Set(['alert', 'background', 'voip', 'complication', 'fileprovider', 'mdm', 'location', 'liveactivity', 'pushtotalk', 'controls', 'widgets'])
const devicePath = /^\/3\/device\/([^/?#]*)$/
const hexToken = /^[0-9a-fA-F]+$/
const providerTokenLifetimeMs = 60 * 60 * 1000
const verdictCacheSize = 10_000

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const makeOwnKey = (): { key: PeerSigningKey; credentials: PeerCredentials } => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const keyId = 'PEERKEY001'
  const teamId = 'PEERTEAM01'
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  return { key: { teamId, keyId, publicKey: pair.publicKey }, credentials: { teamId, keyId, privateKey } }
}

/** A request that passed every check, waiting for its answer: a received push to be, and its JWT. */
interface Accepted extends Omit<ReceivedPush, 'status' | 'session'> {
  readonly jwt: string
}

type Check = { readonly accepted: Accepted } | { readonly status: number; readonly reason: string; readonly token: string | undefined }

/**
 * Starts an HTTP/2 TLS server on 127.0.0.1 (ephemeral port) that behaves like the APNs
 * provider API as Apple documents it: `POST /3/device/<hex token>`, token-based
 * authentication (`authorization: bearer <ES256 JWT>`, verified with the public key, `kid`
 * and `iss` checked, refused after one hour), `apns-topic`, `apns-push-type`, `apns-priority`
 * (a background push must be priority 5), `apns-expiration`, `apns-collapse-id` (at most 64
 * bytes), a JSON body of at most 4,096 bytes. Refusals carry APNs's reasons; accepted pushes
 * get 200 with an `apns-id`, or what `script` queued for their token.
 *
 * @example
 * ```ts
 * const peer = await startApnsPeer()
 * peer.script(token, [{ status: 410, reason: 'Unregistered', timestamp: Date.now() }])
 * const apns = createApnsProvider({ ...peer.credentials!, topic: 'com.example.app',
 *   endpoints: { production: peer.origin }, tls: { ca: peer.ca } })
 * ```
 */
export const startApnsPeer = async (options: ApnsPeerOptions = {}): Promise<ApnsPeer> => {
  const own = options.signingKeys === undefined ? makeOwnKey() : undefined
  const keys = new Map<string, PeerSigningKey>((options.signingKeys ?? (own === undefined ? [] : [own.key])).map((k) => [k.keyId, k]))
  const topics = options.topics === undefined ? undefined : new Set(options.topics)
  const now = options.now ?? Date.now
  const record = options.record ?? true
  const maxPayloadBytes = options.maxPayloadBytes ?? 4096
  const maxConcurrentStreams = options.maxConcurrentStreams ?? 1000
  const certificate = options.certificate ?? loopbackCertificate()
  const goawayEvery = options.goawayEvery
  let refusingAll = false

  const scripts = new Map<string, ApnsScriptedAnswer[]>()
  const verdicts = new Map<string, TokenVerdict>()
  const revoked = new Set<string>()
  const received: ReceivedPush[] = []
  const answers: AnsweredRequest[] = []
  const stats: ApnsPeerStats = { requests: 0, answered: 0, byStatus: {}, sessions: 0, goaways: 0, refusedStreams: 0, providerTokens: 0, maxConcurrent: 0 }
  const sessions = new Set<Http2Session>()
  const sessionNumber = new WeakMap<Http2Session, number>()
  const inFlight = new WeakMap<Http2Session, number>()
  /** Per session, the last stream id a `refuse-later` GOAWAY announced: later ones are refused. */
  const lastProcessed = new WeakMap<Http2Session, number>()
  /** Per session, for `goawayEvery`: requests processed, and the highest stream id among them. */
  const processed = new WeakMap<Http2Session, { count: number; highest: number }>()

  const verdictOf = (authorization: string | undefined): TokenVerdict => {
    const key = authorization ?? ''
    const cached = verdicts.get(key)
    if (cached !== undefined) return cached
    const verdict = verifyProviderToken(authorization, keys)
    if (verdicts.size >= verdictCacheSize) verdicts.clear()
    verdicts.set(key, verdict)
    if (verdict.ok) stats.providerTokens += 1
    return verdict
  }

  const check = (headers: IncomingHttpHeaders, body: Buffer, size: number): Check => {
    const refuse = (status: number, reason: string, token?: string): Check => ({ status, reason, token })
    const path = devicePath.exec(header(headers, ':path') ?? '')
    if (header(headers, ':method') !== 'POST') return refuse(405, 'MethodNotAllowed')
    if (path === null) return refuse(404, 'BadPath')
    const token = path[1] ?? ''
    const authorization = header(headers, 'authorization')
    const verdict = verdictOf(authorization)
    if (!verdict.ok) return refuse(403, verdict.reason, token)
    if (revoked.has(authorization ?? '') || now() - verdict.issuedAtMs > providerTokenLifetimeMs) {
      return refuse(403, 'ExpiredProviderToken', token)
    }
    const topic = header(headers, 'apns-topic')
    if (topic === undefined || topic === '') return refuse(400, 'MissingTopic', token)
    if (topics !== undefined && !topics.has(topic)) return refuse(400, 'TopicDisallowed', token)
    const pushType = header(headers, 'apns-push-type')
    if (pushType === undefined || !pushTypes.has(pushType)) return refuse(400, 'InvalidPushType', token)
    const priorityText = header(headers, 'apns-priority') ?? '10'
    const priority = Number(priorityText)
    if (!['1', '5', '10'].includes(priorityText)) return refuse(400, 'BadPriority', token)
    if (pushType === 'background' && priority !== 5) return refuse(400, 'BadPriority', token)
    const expiration = header(headers, 'apns-expiration')
    if (expiration !== undefined && !/^\d+$/.test(expiration)) return refuse(400, 'BadExpirationDate', token)
    const collapseId = header(headers, 'apns-collapse-id')
    if (collapseId !== undefined && Buffer.byteLength(collapseId) > 64) return refuse(400, 'BadCollapseId', token)
    if (token.length % 2 !== 0 || token.length < 32 || token.length > 200 || !hexToken.test(token)) {
      return refuse(400, 'BadDeviceToken', token)
    }
    if (size === 0) return refuse(400, 'PayloadEmpty', token)
    if (size > maxPayloadBytes) return refuse(413, 'PayloadTooLarge', token)
    let payload: unknown
    try {
      payload = JSON.parse(body.toString('utf8'))
    } catch {
      // APNs documents no reason for a body that is not JSON; the peer says what happened.
      return refuse(400, 'BadPayload', token)
    }
    if (!isObject(payload) || !isObject(payload['aps'])) return refuse(400, 'BadPayload', token)
    const apnsId = header(headers, 'apns-id') ?? randomUUID()
    return {
      accepted: { token, topic, pushType, priority, expiration, collapseId, apnsId, payload, issuedAtMs: verdict.issuedAtMs, jwt: authorization ?? '' },
    }
  }

  const count = (token: string | undefined, status: number, reason: string | undefined): void => {
    stats.answered += 1
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1
    if (record) answers.push({ token, status, reason })
  }

  const answer = (stream: ServerHttp2Stream, status: number, body: Record<string, unknown> | undefined, extra: Readonly<Record<string, string>> = {}): void => {
    if (stream.destroyed || stream.closed) return
    if (body === undefined) {
      stream.respond({ ':status': status, ...extra }, { endStream: true })
      return
    }
    stream.respond({ ':status': status, 'content-type': 'application/json', ...extra })
    stream.end(JSON.stringify(body))
  }

  const closeGracefully = (session: Http2Session): void => {
    if (session.closed || session.destroyed) return
    stats.goaways += 1
    session.close()
  }

  const refusedUnprocessed = (stream: ServerHttp2Stream): boolean => {
    const last = stream.session === undefined ? undefined : lastProcessed.get(stream.session)
    if (!refusingAll && (last === undefined || (stream.id ?? 0) <= last)) return false
    stats.refusedStreams += 1
    stream.close(constants.NGHTTP2_REFUSED_STREAM)
    return true
  }

  /**
   * A GOAWAY naming `last` as the last stream processed: later streams are refused. Sent once
   * `stream`'s answer is out, so that it reaches the client before the GOAWAY. The client
   * closes the session when its remaining streams end; a second GOAWAY (what session.close()
   * would send) must not follow, as its last stream id could be higher.
   */
  const refuseLaterThan = (session: Http2Session, stream: ServerHttp2Stream, last: number): void => {
    lastProcessed.set(session, last)
    stats.goaways += 1
    stream.once('close', () => {
      if (!session.closed && !session.destroyed) session.goaway(constants.NGHTTP2_NO_ERROR, last)
    })
  }

  /** `goawayEvery`: counts a processed request, and closes its session after the N-th. */
  const countProcessed = (stream: ServerHttp2Stream): void => {
    const session = stream.session
    if (goawayEvery === undefined || session === undefined || session.closed) return
    const seen = processed.get(session) ?? { count: 0, highest: 0 }
    seen.count += 1
    seen.highest = Math.max(seen.highest, stream.id ?? 0)
    processed.set(session, seen)
    if (seen.count === goawayEvery) refuseLaterThan(session, stream, seen.highest)
  }

  const handle = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: Buffer, size: number): void => {
    if (refusedUnprocessed(stream)) return
    countProcessed(stream)
    const verdict = check(headers, body, size)
    if (!('accepted' in verdict)) {
      count(verdict.token, verdict.status, verdict.reason)
      answer(stream, verdict.status, { reason: verdict.reason })
      return
    }
    const push = verdict.accepted
    const queued = scripts.get(push.token)
    const next = queued?.shift()
    if (queued !== undefined && queued.length === 0) scripts.delete(push.token)
    const session = stream.session
    const remember = (status: number): void => {
      if (!record) return
      const { jwt: _jwt, ...rest } = push
      received.push({ ...rest, status, session: session === undefined ? 0 : (sessionNumber.get(session) ?? 0) })
    }
    if (next === undefined) {
      count(push.token, 200, undefined)
      remember(200)
      answer(stream, 200, undefined, { 'apns-id': push.apnsId })
      return
    }
    if ('expireProviderToken' in next) {
      revoked.add(push.jwt)
      count(push.token, 403, 'ExpiredProviderToken')
      remember(403)
      answer(stream, 403, { reason: 'ExpiredProviderToken' }, { 'apns-id': push.apnsId })
      return
    }
    if ('reset' in next) {
      remember(0)
      stream.close(constants.NGHTTP2_INTERNAL_ERROR)
      return
    }
    if ('hold' in next) {
      remember(0)
      return
    }
    if ('drop' in next) {
      remember(0)
      session?.destroy()
      return
    }
    count(push.token, next.status, next.reason)
    remember(next.status)
    const answerBody = next.reason === undefined ? undefined : { reason: next.reason, ...(next.timestamp === undefined ? {} : { timestamp: next.timestamp }) }
    answer(stream, next.status, answerBody, { 'apns-id': push.apnsId, ...next.headers })
    if (next.goaway === 'refuse-later' && session !== undefined && !session.closed) {
      refuseLaterThan(session, stream, stream.id ?? 0)
    } else if (next.goaway === true && session !== undefined) {
      closeGracefully(session)
    }
  }

  const server = createSecureServer({
    key: certificate.key,
    cert: certificate.cert,
    allowHTTP1: false,
    settings: { maxConcurrentStreams },
    // The default (10 MB) is sized for browsers; a push peer holds up to maxConcurrentStreams small streams.
    maxSessionMemory: 64,
  })
  server.on('session', (session) => {
    stats.sessions += 1
    sessionNumber.set(session, stats.sessions)
    inFlight.set(session, 0)
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
    session.on('error', () => sessions.delete(session))
  })
  server.on('stream', (stream, headers) => {
    stats.requests += 1
    const session = stream.session
    if (session !== undefined) {
      const current = (inFlight.get(session) ?? 0) + 1
      inFlight.set(session, current)
      if (current > stats.maxConcurrent) stats.maxConcurrent = current
      stream.on('close', () => inFlight.set(session, (inFlight.get(session) ?? 1) - 1))
    }
    stream.on('error', () => {})
    const chunks: Buffer[] = []
    let size = 0
    stream.on('data', (chunk: Buffer) => {
      // Past the limit the body only needs counting: its answer is 413 whatever it holds.
      if (size <= maxPayloadBytes) chunks.push(chunk)
      size += chunk.length
    })
    stream.on('end', () => {
      handle(stream, headers, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), size)
    })
  })
  server.on('sessionError', () => {})
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo

  return {
    origin: `https://127.0.0.1:${port}`,
    ca: certificate.cert,
    certificate,
    credentials: own?.credentials,
    publicKey: own?.key.publicKey,
    script: (token, list) => {
      scripts.set(token, [...(scripts.get(token) ?? []), ...list])
    },
    received,
    answers,
    stats,
    goaway: () => {
      for (const session of sessions) closeGracefully(session)
    },
    refuseStreams: (on) => {
      refusingAll = on
    },
    close: async () => {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const session of sessions) session.destroy()
      await closing
    },
  }
}
