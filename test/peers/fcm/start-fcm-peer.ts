import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import { loopbackCertificate } from '../self-signed-certificate.js'
import { answerFor, invalidPayload, unauthenticated, v1Error } from './v1-answers.js'
import type { FcmPeerAnswer, FcmPeerAnswerKind, PeerResponse } from './v1-answers.js'
import { checkAssertion } from './verify-assertion.js'

/** How the peer's token endpoint answers an exchange, before it looks at the assertion. */
export type TokenEndpointAnswer =
  /** Check the assertion and issue an access token (the default). */
  | 'ok'
  /** 400 `invalid_grant`, as for a revoked or deleted key. */
  | 'invalid-grant'
  /** 503, the endpoint is down. */
  | 'unavailable'
  /** 200 without an access token. */
  | 'no-token'
  /** The connection is destroyed without an answer. */
  | 'drop'

/** Options of `startFcmPeer`; every one has a default. */
export interface FcmPeerOptions {
  /** Default `peer-project`. */
  readonly projectId?: string
  /** Default `fcm-sender@<projectId>.iam.gserviceaccount.com`. */
  readonly clientEmail?: string
  /** `expires_in` of issued access tokens. Default 3600. */
  readonly accessTokenLifetimeSeconds?: number
  /** The peer's notion of now (ms), for assertion times and access-token expiry. Default `Date.now`. */
  readonly clock?: { readonly now: () => number }
  /** Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (default), or plain HTTP. */
  readonly tls?: boolean
}

/** A service-account key file for the peer, in the shape the Firebase console downloads. */
export interface PeerServiceAccount {
  readonly type: 'service_account'
  readonly project_id: string
  readonly private_key_id: string
  readonly private_key: string
  readonly client_email: string
  readonly token_uri: string
}

/** One `messages:send` the peer accepted (valid auth, project and shape), whatever it answered. */
export interface ReceivedMessage {
  readonly token: string
  readonly message: Readonly<Record<string, unknown>>
  /** The answer kind the script gave it. */
  readonly answer: FcmPeerAnswerKind
}

/** Counters, for assertions on caching and connection reuse. */
export interface FcmPeerStats {
  /** TCP connections accepted. */
  readonly connections: number
  /** Access tokens issued. */
  readonly tokenExchanges: number
  /** Exchanges refused (bad assertion or scripted failure). */
  readonly refusedExchanges: number
  /** `messages:send` requests, whatever their outcome. */
  readonly sendRequests: number
  /** `messages:send` requests refused for their access token (401 UNAUTHENTICATED). */
  readonly unauthorized: number
}

/** A running FCM HTTP v1 peer on 127.0.0.1. */
export interface FcmPeer {
  /** `https://127.0.0.1:<port>` (or `http:`): pass as the adapter's `endpoint`. */
  readonly origin: string
  /** The peer's token endpoint, also the service account's `token_uri`. */
  readonly tokenUri: string
  /** The certificate to trust (the adapter's `tls.ca`); empty for a plain HTTP peer. */
  readonly ca: string
  /** A freshly generated key the peer knows, with `token_uri` pointing at the peer. */
  readonly serviceAccount: PeerServiceAccount
  /**
   * Sets the answers for one registration token: each send takes the next, and the last one
   * repeats. An unscripted token is delivered (`ok`).
   */
  readonly script: (token: string, ...answers: readonly FcmPeerAnswer[]) => void
  /** Answers for the next exchanges, one each, before the endpoint goes back to `ok`. */
  readonly scriptTokenEndpoint: (...answers: readonly TokenEndpointAnswer[]) => void
  /** Makes every access token issued so far invalid (a rotated key, a revoked grant). */
  readonly revokeAccessTokens: () => void
  /** Every access token issued, for S2 greps. */
  readonly issuedAccessTokens: () => readonly string[]
  /** Every message accepted, in arrival order. */
  readonly received: () => readonly ReceivedMessage[]
  readonly stats: () => FcmPeerStats
  /** Closes the server and every connection. */
  readonly close: () => Promise<void>
}

const sendPath = /^\/v1\/projects\/([^/]+)\/messages:send$/
const tokenPath = '/token'
const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

const oauthJson = (status: number, body: Record<string, unknown>): PeerResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
})

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** The shape checks FCM applies before it looks at the token; `undefined` when the message passes. */
const checkMessage = (message: Record<string, unknown>): PeerResponse | undefined => {
  if (typeof message['token'] !== 'string' || message['token'] === '') {
    return v1Error(400, 'INVALID_ARGUMENT', 'Recipient of the message is not set.')
  }
  const data = message['data']
  if (data !== undefined) {
    if (!isRecord(data)) return invalidPayload('message.data', "Invalid value at 'message.data' (type.googleapis.com/google.protobuf.Struct)")
    const entries = Object.entries(data)
    for (const [index, [, value]] of entries.entries()) {
      if (typeof value !== 'string') {
        return invalidPayload(`message.data[${index}].value`, `Invalid value at 'message.data[${index}].value' (TYPE_STRING), ${JSON.stringify(value)}`)
      }
    }
  }
  const android = message['android']
  if (android !== undefined) {
    if (!isRecord(android)) return invalidPayload('message.android', "Invalid value at 'message.android'")
    const priority = android['priority']
    if (priority !== undefined && (typeof priority !== 'string' || !['normal', 'high'].includes(priority.toLowerCase()))) {
      return invalidPayload('message.android.priority', `Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), ${JSON.stringify(priority)}`)
    }
    const ttl = android['ttl']
    if (ttl !== undefined && (typeof ttl !== 'string' || !/^\d+(\.\d{1,9})?s$/.test(ttl))) {
      return invalidPayload('message.android.ttl', `Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(ttl)}`)
    }
  }
  const apns = message['apns']
  if (apns !== undefined) {
    if (!isRecord(apns)) return invalidPayload('message.apns', "Invalid value at 'message.apns'")
    const headers = apns['headers']
    if (headers !== undefined && (!isRecord(headers) || Object.values(headers).some((v) => typeof v !== 'string'))) {
      return invalidPayload('message.apns.headers', "Invalid value at 'message.apns.headers' (TYPE_STRING)")
    }
  }
  return undefined
}

/**
 * Starts an FCM HTTP v1 peer on 127.0.0.1, port 0: an OAuth token endpoint (`POST /token`,
 * RFC 7523 JWT-bearer assertions checked against the generated service account's public key,
 * `aud`, scope and lifetime) and `POST /v1/projects/{project}/messages:send`, which checks the
 * bearer token (unknown, expired or revoked → 401 UNAUTHENTICATED), the project (another one →
 * 403 PERMISSION_DENIED), the message's shape (no token, non-string data values, bad android
 * priority/ttl, non-string APNs headers → 400 INVALID_ARGUMENT not naming the token), then
 * answers per the token's script with v1 error bodies.
 *
 * @example
 * ```ts
 * const peer = await startFcmPeer()
 * peer.script(token, 'unavailable', 'ok')     // first send 503, then delivered
 * const fcm = createFcmProvider({ serviceAccount: peer.serviceAccount, endpoint: peer.origin, tls: { ca: peer.ca } })
 * // …
 * await fcm.close(); await peer.close()
 * ```
 */
export const startFcmPeer = async (options: FcmPeerOptions = {}): Promise<FcmPeer> => {
  const projectId = options.projectId ?? 'peer-project'
  const clientEmail = options.clientEmail ?? `fcm-sender@${projectId}.iam.gserviceaccount.com`
  const lifetimeSeconds = options.accessTokenLifetimeSeconds ?? 3600
  const now = options.clock?.now ?? ((): number => Date.now())
  const useTls = options.tls ?? true

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicKey = createPublicKey(privateKey)
  const scripts = new Map<string, FcmPeerAnswer[]>()
  const tokenEndpointQueue: TokenEndpointAnswer[] = []
  const accessTokens = new Map<string, number>()
  const issued: string[] = []
  const received: ReceivedMessage[] = []
  const sockets = new Set<Socket>()
  const counters = { connections: 0, tokenExchanges: 0, refusedExchanges: 0, sendRequests: 0, unauthorized: 0 }
  let messageCount = 0

  const nextAnswer = (token: string): { kind: FcmPeerAnswerKind; retryAfterSeconds?: number } => {
    const queue = scripts.get(token)
    const answer = queue === undefined || queue.length === 0 ? 'ok' : queue.length === 1 ? queue[0] : queue.shift()
    if (answer === undefined) return { kind: 'ok' }
    return typeof answer === 'string' ? { kind: answer } : answer
  }

  // Filled once listening: the audience an assertion must name.
  let tokenUri = ''

  const exchange = (body: string): PeerResponse | 'drop' => {
    const form = new URLSearchParams(body)
    const scripted = tokenEndpointQueue.shift() ?? 'ok'
    if (scripted === 'drop') return 'drop'
    if (scripted !== 'ok') counters.refusedExchanges += 1
    if (scripted === 'invalid-grant') return oauthJson(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' })
    if (scripted === 'unavailable') return { ...oauthJson(503, { error: 'temporarily_unavailable', error_description: 'Service unavailable.' }), headers: { 'content-type': 'application/json', 'retry-after': '7' } }
    if (scripted === 'no-token') return oauthJson(200, { token_type: 'Bearer' })
    if (form.get('grant_type') !== jwtBearer) {
      counters.refusedExchanges += 1
      return oauthJson(400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.get('grant_type') ?? ''}` })
    }
    const refusal = checkAssertion(form.get('assertion') ?? '', { publicKey, clientEmail, audience: tokenUri, nowSeconds: Math.floor(now() / 1000) })
    if (refusal !== undefined) {
      counters.refusedExchanges += 1
      return oauthJson(400, { error: refusal.error, error_description: refusal.description })
    }
    const accessToken = `ya29.peer-${randomBytes(24).toString('base64url')}`
    accessTokens.set(accessToken, now() + lifetimeSeconds * 1000)
    issued.push(accessToken)
    counters.tokenExchanges += 1
    return oauthJson(200, { access_token: accessToken, expires_in: lifetimeSeconds, token_type: 'Bearer' })
  }

  const messagesSend = (project: string, authorization: string | undefined, body: string): PeerResponse | 'drop' => {
    counters.sendRequests += 1
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1]
    const expiresAt = bearer === undefined ? undefined : accessTokens.get(bearer)
    if (expiresAt === undefined || now() >= expiresAt) {
      counters.unauthorized += 1
      return unauthenticated()
    }
    if (decodeURIComponent(project) !== projectId) {
      return v1Error(403, 'PERMISSION_DENIED', `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`)
    }
    const parsed = parseJson(body)
    if (!isRecord(parsed)) return v1Error(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.')
    const message = parsed['message']
    if (!isRecord(message)) return v1Error(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.')
    const shapeError = checkMessage(message)
    if (shapeError !== undefined) return shapeError
    const token = message['token'] as string
    const answer = nextAnswer(token)
    received.push({ token, message, answer: answer.kind })
    if (answer.kind === 'unauthenticated') counters.unauthorized += 1
    if (answer.kind === 'drop') return 'drop'
    messageCount += 1
    return answerFor(answer.kind, `projects/${projectId}/messages/0:${messageCount}`, answer.retryAfterSeconds)
  }

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const path = (req.url ?? '').split('?')[0] ?? ''
      const project = sendPath.exec(path)?.[1]
      let response: PeerResponse | 'drop'
      if (req.method === 'POST' && path === tokenPath) response = exchange(body)
      else if (req.method === 'POST' && project !== undefined) response = messagesSend(project, req.headers.authorization, body)
      else response = answerFor('not-fcm-404', '')
      if (response === 'drop') {
        req.socket.destroy()
        return
      }
      res.writeHead(response.status, response.headers)
      res.end(response.body)
    })
  }

  const certificate = useTls ? loopbackCertificate() : undefined
  const server = certificate === undefined ? http.createServer(handle) : https.createServer({ key: certificate.key, cert: certificate.cert }, handle)
  server.on('connection', (socket: Socket) => {
    counters.connections += 1
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const origin = `${useTls ? 'https' : 'http'}://127.0.0.1:${port}`
  tokenUri = `${origin}${tokenPath}`

  return {
    origin,
    tokenUri,
    ca: certificate?.cert ?? '',
    serviceAccount: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      token_uri: tokenUri,
    },
    script: (token, ...answers) => {
      scripts.set(token, [...answers])
    },
    scriptTokenEndpoint: (...answers) => {
      tokenEndpointQueue.push(...answers)
    },
    revokeAccessTokens: () => accessTokens.clear(),
    issuedAccessTokens: () => [...issued],
    received: () => [...received],
    stats: () => ({ ...counters }),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
    },
  }
}
