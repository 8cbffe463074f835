/**
 * End-to-end dispatch through the three real provider adapters (issue 6).
 *
 * One memory registry serves three apps, each delivered by its real adapter to a loopback peer
 * that speaks the provider's protocol: `ios` → APNs adapter (HTTP/2, ES256 provider tokens) →
 * APNs peer; `android` → FCM HTTP v1 adapter (service-account OAuth) → FCM peer; `web` → Web
 * Push adapter (aes128gcm, VAPID) → Web Push peer, whose `https://push.test/…` endpoints reach
 * 127.0.0.1 through the peer's loopback agent. Adapters, peers, registry and dispatcher share one
 * fixed clock, so provider tokens, assertions and VAPID JWTs are checked at the same instant.
 *
 * 10,000 users, one device each, are spread over the apps by `i % 3` and register through
 * `session_started` inputs (APNs 64-hex tokens, FCM-shaped registration tokens, subscriptions
 * from the Web Push peer's `subscribe()`) two hours before the send; all are in
 * `backgroundOrForegroundPushEnabled` (R23). The peers are scripted per token, by the member's
 * rank `j` within its app (the variants alternate with `⌊j / 25⌋`):
 *
 * | j          | APNs                                   | FCM                                | Web Push                      |
 * |------------|----------------------------------------|------------------------------------|-------------------------------|
 * | % 25 = 0   | 410 Unregistered stamped 1 h after the registration, or 410 ExpiredToken | 404 UNREGISTERED | 410 (unsubscribed) or 404 |
 * | % 25 = 1   | 400 BadDeviceToken / DeviceTokenNotForTopic | 400 INVALID_ARGUMENT on `message.token` / 403 SENDER_ID_MISMATCH | delivered (§4 has no ambiguous Web Push answer) |
 * | % 25 = 2   | 429 with retry-after / 503, then 200   | 503, 429 or 500 with Retry-After, then 200 | 429 with Retry-After / 503 / a dropped connection, then 201 |
 * | % 25 = 3   | 400 BadTopic / 413 PayloadTooLarge     | 400 INVALID_ARGUMENT on a message field | 400 / 413                |
 * | % 500 = 4  | 410 Unregistered stamped 1 h BEFORE the registration (R17: keeps its token) | — | — |
 * | otherwise  | 200                                    | 200                                | 201                           |
 *
 * 1. The send (one dispatch per app, the three in parallel): the tokens whose registrations end
 *    are exactly those the peers answered dead (minus R17's stale 410s) plus those they answered
 *    ambiguously — D6 confirms an ambiguous answer at once when the same dispatch delivered to
 *    other tokens of that app, which every dispatch here did, so none is left `suspect`.
 * 2. Quarantine: a smaller population whose dispatch only gets ambiguous and endlessly transient
 *    answers, fed back because the apps' `ambiguousAlikeThreshold` is `null`: nothing was delivered, so
 *    D6 cannot confirm them and the tokens stay `suspect` (not targets, not in segments, not ended).
 * 3. Credentials: the same 10,000 users in a fresh registry, sent through adapters holding a key
 *    the peers do not know (APNs JWT signed by another key → 403 InvalidProviderToken; FCM
 *    assertion signed by another key → token endpoint `invalid_grant` → 401; VAPID key other than
 *    the subscriptions' `applicationServerKey` → 403): the credential stops each dispatch, no
 *    token is invalidated for a credentials answer and none is quarantined (I10). The one way a
 *    token may still end: the Web Push service answers 410/404 for a gone subscription before it
 *    checks VAPID (it must find the subscription to know its key), which is evidence (R16).
 * 4. S2: every adapter log line, dispatcher event and report, registry event, adapter reply and
 *    error message captured above (plus a few provoked rejections) is searched for every raw
 *    token: APNs hex, FCM token, Web Push endpoint path and keys. None may appear.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import type {
  Dispatcher,
  DispatcherOptions,
  DispatchEventName,
  DispatchReport,
  ProviderPort,
  PushToken,
  Registry,
  RegistryOptions,
  RegistryEvents,
} from 'push-registry'
import { collect, createDispatcher, createRegistry, fixedClock, parseSegment, redact, tokenKey } from 'push-registry'
import { createApnsProvider } from 'push-registry/apns'
import { createFcmProvider } from 'push-registry/fcm'
import { createMemoryStorage } from 'push-registry/memory'
import { createWebPushProvider } from 'push-registry/webpush'
import webPush from 'web-push'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApnsPeer, ApnsScriptedAnswer } from '../peers/apns/index.js'
import { startApnsPeer } from '../peers/apns/index.js'
import type { FcmPeer, FcmPeerAnswer } from '../peers/fcm/index.js'
import { startFcmPeer } from '../peers/fcm/index.js'
import type { LoopbackAgent, ScriptedAnswer, WebPushPeer } from '../peers/webpush/index.js'
import { startWebPushPeer } from '../peers/webpush/index.js'

const hour = 3_600_000
/** The instant of every send: whole seconds, near the real time (the peers' TLS certificates are checked against it). */
const now = Math.floor(Date.now() / 1000) * 1000
const clock = fixedClock(now)
const registeredAt = now - 2 * hour
const iso = (ms: number): string => new Date(ms).toISOString()

const apps = ['ios', 'android', 'web'] as const
type AppName = (typeof apps)[number]
const appConfigs = [
  { appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' },
  { appId: 'android', name: 'MyApp (Android)', platform: 'android' },
  { appId: 'web', name: 'MyApp (Web)', platform: 'web' },
] as const
const topic = 'com.example.myapp'
const payloads: Readonly<Record<AppName, unknown>> = {
  ios: { aps: { alert: { title: 'Soldes', body: 'Kim vous a écrit' } } },
  android: { notification: { title: 'Soldes', body: 'Kim vous a écrit' }, data: { campaign: 'e2e' } },
  web: { title: 'Soldes', body: 'Kim vous a écrit' },
}
const segment = 'backgroundOrForegroundPushEnabled'
const concurrency = 64
const users = 10_000

/** What a member's peer is scripted to answer. `stale` is a dead answer older than the registration (R17). */
type Role = 'delivered' | 'dead' | 'stale' | 'ambiguous' | 'transient' | 'payload' | 'failing'

interface Member {
  readonly appId: AppName
  /** Rank within its app. */
  readonly rank: number
  readonly deviceId: string
  readonly userId: string
  readonly token: PushToken
  readonly role: Role
}

const keyOf = (token: PushToken): string => tokenKey(token)

const roleOf = (appId: AppName, rank: number): Role => {
  if (appId === 'ios' && rank % 500 === 4) return 'stale'
  switch (rank % 25) {
    case 0:
      return 'dead'
    case 1:
      return appId === 'web' ? 'delivered' : 'ambiguous'
    case 2:
      return 'transient'
    case 3:
      return 'payload'
    default:
      return 'delivered'
  }
}

/** An FCM-shaped registration token: an instance id, a colon, `APA91b` and a long random tail. */
const fcmToken = (): string => `${randomBytes(16).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`
const apnsToken = (seed: string): string => createHash('sha256').update(seed).digest('hex')

const sessionOf = (m: Member) => ({
  type: 'session_started',
  at: iso(registeredAt),
  appId: m.appId,
  deviceId: m.deviceId,
  userId: m.userId,
  token: m.token,
  permission: 'granted',
  ...(m.appId === 'android' ? { osVersion: '14' } : {}),
})

// ---- the peers, and what each answers per role --------------------------------------------

let apnsPeer: ApnsPeer
let fcmPeer: FcmPeer
let webPeer: WebPushPeer
const vapid = { subject: 'mailto:ops@example.com', ...webPush.generateVAPIDKeys() }
const closers: (() => Promise<void> | void)[] = []

const apnsScript = (m: Member): readonly ApnsScriptedAnswer[] => {
  const variant = Math.floor(m.rank / 25) % 2
  switch (m.role) {
    case 'dead':
      return [variant === 0 ? { status: 410, reason: 'Unregistered', timestamp: registeredAt + hour } : { status: 410, reason: 'ExpiredToken' }]
    case 'stale':
      return [{ status: 410, reason: 'Unregistered', timestamp: registeredAt - hour }]
    case 'ambiguous':
      return [{ status: 400, reason: variant === 0 ? 'BadDeviceToken' : 'DeviceTokenNotForTopic' }]
    case 'transient':
      return [variant === 0 ? { status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '1' } } : { status: 503, reason: 'ServiceUnavailable' }]
    case 'payload':
      return [variant === 0 ? { status: 400, reason: 'BadTopic' } : { status: 413, reason: 'PayloadTooLarge' }]
    case 'failing':
      return Array.from({ length: 10 }, () => ({ status: 503, reason: 'ServiceUnavailable' }))
    case 'delivered':
      return []
  }
}

/** The FCM peer repeats a script's last answer, so a transient one is followed by `ok`. */
const fcmScript = (m: Member): readonly FcmPeerAnswer[] => {
  const variant = Math.floor(m.rank / 25) % 3
  switch (m.role) {
    case 'dead':
    case 'stale':
      return ['unregistered']
    case 'ambiguous':
      return [variant === 1 ? 'sender-id-mismatch' : 'invalid-token']
    case 'transient':
      return [{ kind: (['unavailable', 'quota-exceeded', 'internal'] as const)[variant] ?? 'unavailable', retryAfterSeconds: 1 }, 'ok']
    case 'payload':
      return ['invalid-payload']
    case 'failing':
      return ['unavailable']
    case 'delivered':
      return []
  }
}

const webScript = (m: Member, endpoint: string): readonly ScriptedAnswer[] => {
  const variant = Math.floor(m.rank / 25) % 3
  switch (m.role) {
    case 'dead':
    case 'stale':
      if (variant === 0) {
        webPeer.unsubscribe(endpoint)
        return []
      }
      return [{ status: 404 }]
    case 'transient':
      return [variant === 0 ? { status: 429, headers: { 'retry-after': '1' } } : variant === 1 ? { status: 503 } : { drop: true }]
    case 'payload':
      return [{ status: variant === 0 ? 400 : 413 }]
    case 'failing':
      return Array.from({ length: 10 }, () => ({ status: 503 }))
    case 'ambiguous':
    case 'delivered':
      return []
  }
}

/** Makes the member's token and scripts its peer. */
const enrol = (appId: AppName, rank: number, role: Role, label: string): Member => {
  const base = { appId, rank, role, deviceId: `${label}-${appId}-dev-${rank}`, userId: `${label}-${appId}-user-${rank}` }
  if (appId === 'ios') {
    const member = { ...base, token: apnsToken(`${label}-ios-${rank}`) }
    const script = apnsScript(member)
    if (script.length > 0) apnsPeer.script(member.token, script)
    return member
  }
  if (appId === 'android') {
    const member = { ...base, token: fcmToken() }
    const script = fcmScript(member)
    if (script.length > 0) fcmPeer.script(member.token, ...script)
    return member
  }
  const subscription = webPeer.subscribe({ applicationServerKey: vapid.publicKey })
  const member = { ...base, token: subscription }
  const script = webScript(member, subscription.endpoint)
  if (script.length > 0) webPeer.script(subscription.endpoint, script)
  return member
}

// ---- what the S2 test searches -------------------------------------------------------------

/** Every log line, event, report, reply and error message of the file, as text. */
const corpus: string[] = []
const log = (line: string): void => {
  corpus.push(line)
}

const registryEventNames: readonly (keyof RegistryEvents)[] = [
  'token.registered',
  'token.rotated',
  'token.transferred',
  'token.invalidated',
  'token.quarantined',
  'token.capability_changed',
  'subscription.changed',
  'input.rejected',
]
const dispatchEventNames: readonly DispatchEventName[] = [
  'dispatch.started',
  'dispatch.answer',
  'dispatch.retry',
  'dispatch.credentials_stopped',
  'dispatch.finished',
]

/** The events one emitter sent, by name; each also goes to the corpus. */
type Seen = Map<string, unknown[]>
const seenOf = (seen: Seen, name: string): unknown[] => seen.get(name) ?? []
const recordEvent = (seen: Seen, name: string, payload: unknown): void => {
  seen.set(name, [...seenOf(seen, name), payload])
  corpus.push(`${name} ${JSON.stringify(payload)}`)
}

const newRegistry = (policy?: RegistryOptions['policy']): { registry: Registry; seen: Seen } => {
  const registry = createRegistry({
    apps: appConfigs,
    storage: createMemoryStorage(),
    clock,
    limits: { webPushHosts: [webPeer.hostname] },
    ...(policy === undefined ? {} : { policy }),
  })
  const seen: Seen = new Map()
  for (const name of registryEventNames) registry.on(name, (payload: unknown) => recordEvent(seen, name, payload))
  closers.push(() => registry.close())
  return { registry, seen }
}

const feed = async (registry: Registry, members: readonly Member[]): Promise<void> => {
  for (let start = 0; start < members.length; start += 5000) {
    const report = await registry.ingest(members.slice(start, start + 5000).map(sessionOf))
    expect(report.rejected).toEqual([])
  }
}

/** A port whose every reply also goes to the corpus: a host logging replies must not leak tokens either. */
const replyLogging = (port: ProviderPort): ProviderPort => ({
  provider: port.provider,
  send: async (push) => {
    const reply = await port.send(push)
    corpus.push(`reply ${JSON.stringify(reply)}`)
    return reply
  },
  close: () => port.close(),
})

const newDispatcher = (
  registry: Registry,
  ports: Readonly<Record<AppName, ProviderPort>>,
  label: string,
  options: Partial<DispatcherOptions> = {},
): { dispatcher: Dispatcher; seen: Seen; waits: number[] } => {
  let next = 0
  const waits: number[] = []
  const dispatcher = createDispatcher({
    registry,
    providers: { ios: replyLogging(ports.ios), android: replyLogging(ports.android), web: replyLogging(ports.web) },
    clock,
    concurrency,
    // Never waits: the retry delays are recorded instead (R16's backoff is the dispatcher's own test).
    sleep: async (ms) => {
      waits.push(ms)
    },
    random: () => 0.5,
    newDispatchId: () => `${label}-${++next}`,
    ...options,
  })
  const seen: Seen = new Map()
  for (const name of dispatchEventNames) dispatcher.on(name, (payload: unknown) => recordEvent(seen, name, payload))
  return { dispatcher, seen, waits }
}

const sendAll = async (dispatcher: Dispatcher): Promise<Record<AppName, DispatchReport>> => {
  const [ios, android, web] = await Promise.all(
    apps.map((appId) => dispatcher.send({ appId, kind: 'alert', audience: { segment }, payload: payloads[appId] })),
  )
  if (ios === undefined || android === undefined || web === undefined) throw new Error('three reports expected')
  for (const report of [ios, android, web]) corpus.push(`report ${JSON.stringify(report)}`)
  return { ios, android, web }
}

const outcomeSum = (r: DispatchReport): number =>
  r.delivered + r.dead + r.suspect + r.withheld + r.credentialsRejected + r.payloadRejected + r.transientFailed + r.credentialsStopped

// ---- the adapters --------------------------------------------------------------------------

/**
 * S4: the adapter refuses one origin for both environments. Every device here reports a
 * production token, so nothing goes to the sandbox; its origin is a closed loopback port.
 */
const noSandbox = 'https://127.0.0.1:1'

const trustedPorts = (): Record<AppName, ProviderPort> => {
  const credentials = apnsPeer.credentials
  if (credentials === undefined) throw new Error('the APNs peer made no key')
  const agent: LoopbackAgent = webPeer.agent({ maxSockets: concurrency })
  const ports = {
    ios: createApnsProvider({ ...credentials, topic, endpoints: { production: apnsPeer.origin, sandbox: noSandbox }, tls: { ca: apnsPeer.ca }, clock, log }),
    android: createFcmProvider({ serviceAccount: fcmPeer.serviceAccount, endpoint: fcmPeer.origin, tls: { ca: fcmPeer.ca }, maxSockets: 32, clock, log }),
    web: createWebPushProvider({ vapid, allowedHosts: [webPeer.hostname], agent, clock, log }),
  }
  closers.push(() => ports.ios.close(), () => ports.android.close(), () => ports.web.close(), () => agent.destroy())
  return ports
}

/** The same adapters, each holding a key its peer does not know (same ids, other key material). */
const refusedPorts = (): Record<AppName, ProviderPort> => {
  const credentials = apnsPeer.credentials
  if (credentials === undefined) throw new Error('the APNs peer made no key')
  const otherEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const agent: LoopbackAgent = webPeer.agent({ maxSockets: concurrency })
  const ports = {
    ios: createApnsProvider({ ...credentials, privateKey: otherEc, topic, endpoints: { production: apnsPeer.origin, sandbox: noSandbox }, tls: { ca: apnsPeer.ca }, clock, log }),
    android: createFcmProvider({ serviceAccount: { ...fcmPeer.serviceAccount, private_key: otherRsa }, endpoint: fcmPeer.origin, tls: { ca: fcmPeer.ca }, clock, log }),
    web: createWebPushProvider({ vapid: { subject: vapid.subject, ...webPush.generateVAPIDKeys() }, allowedHosts: [webPeer.hostname], agent, clock, log }),
  }
  closers.push(() => ports.ios.close(), () => ports.android.close(), () => ports.web.close(), () => agent.destroy())
  return ports
}

// ---- what the peers actually answered ------------------------------------------------------

interface PeerMarks {
  readonly apnsAnswers: number
  readonly apnsReceived: number
  readonly fcmReceived: number
  readonly fcmStats: ReturnType<FcmPeer['stats']>
  readonly webRequests: number
  readonly webReceived: number
}

const marks = (): PeerMarks => ({
  apnsAnswers: apnsPeer.answers.length,
  apnsReceived: apnsPeer.received.length,
  fcmReceived: fcmPeer.received().length,
  fcmStats: fcmPeer.stats(),
  webRequests: webPeer.requests.length,
  webReceived: webPeer.received.length,
})

const apnsAmbiguous = new Set(['BadDeviceToken', 'DeviceTokenNotForTopic'])

/** The token keys each peer declared dead, or answered ambiguously, since `from`: read from the peers' own records. */
const peerVerdicts = (from: PeerMarks): { dead: Set<string>; ambiguous: Set<string> } => {
  const dead = new Set<string>()
  const ambiguous = new Set<string>()
  for (const a of apnsPeer.answers.slice(from.apnsAnswers)) {
    if (a.token === undefined) continue
    if (a.status === 410) dead.add(a.token)
    if (a.status === 400 && a.reason !== undefined && apnsAmbiguous.has(a.reason)) ambiguous.add(a.token)
  }
  for (const m of fcmPeer.received().slice(from.fcmReceived)) {
    if (m.answer === 'unregistered') dead.add(m.token)
    if (m.answer === 'invalid-token' || m.answer === 'sender-id-mismatch') ambiguous.add(m.token)
  }
  for (const r of webPeer.requests.slice(from.webRequests)) {
    if (r.status === 404 || r.status === 410) dead.add(`${webPeer.origin}${r.path}`)
  }
  return { dead, ambiguous }
}

const keysOf = (members: readonly Member[], ...roles: Role[]): Set<string> =>
  new Set(members.filter((m) => roles.includes(m.role)).map((m) => keyOf(m.token)))

const count = (members: readonly Member[], appId: AppName, ...roles: Role[]): number =>
  members.filter((m) => m.appId === appId && roles.includes(m.role)).length

const targetKeys = async (registry: Registry, appId: AppName): Promise<Set<string>> =>
  new Set((await collect(registry.targets({ appId, kind: 'alert' }))).map((t) => keyOf(t.token)))

// ---- S2: finding raw tokens in text ---------------------------------------------------------

/**
 * A token leaks when any 16 characters of it that its redacted form (first 6, last 4) never
 * shows appear in a line. Looking for such a piece instead of the whole token also catches a
 * truncated or partly quoted token, and lets one pass over the text check every token at once.
 */
const pieceLength = 16

/** The pieces to look for: a string token's characters 6–22; for a subscription, its endpoint id and its keys. */
const piecesOf = (token: PushToken): string[] => {
  if (typeof token === 'string') return [token.slice(6, 6 + pieceLength)]
  const id = token.endpoint.slice(token.endpoint.lastIndexOf('/') + 1)
  return [id.slice(0, pieceLength), token.keys.p256dh.slice(6, 6 + pieceLength), token.keys.auth.slice(6, 6 + pieceLength)]
}

const secretPieces = new Map<string, string>()
const addSecret = (token: PushToken, label: string): void => {
  for (const piece of piecesOf(token)) if (piece.length === pieceLength) secretPieces.set(piece, label)
}

/** Each leak as `label: line`, the line cut short and the piece itself masked. */
const leaksIn = (lines: readonly string[], pieces: ReadonlyMap<string, string>): string[] => {
  const leaks: string[] = []
  for (const line of lines) {
    for (let i = 0; i + pieceLength <= line.length; i++) {
      const piece = line.slice(i, i + pieceLength)
      const label = pieces.get(piece)
      if (label !== undefined) leaks.push(`${label}: ${line.split(piece).join('<LEAK>').slice(0, 160)}`)
    }
  }
  return leaks
}

// ---- the populations -----------------------------------------------------------------------

let population: Member[] = []
let quarantined: Member[] = []

beforeAll(async () => {
  apnsPeer = await startApnsPeer({ now: clock.now, topics: [topic] })
  fcmPeer = await startFcmPeer({ clock })
  webPeer = await startWebPushPeer({ now: clock.now })
  closers.push(() => apnsPeer.close(), () => fcmPeer.close(), () => webPeer.close())

  const ranks: Record<AppName, number> = { ios: 0, android: 0, web: 0 }
  population = Array.from({ length: users }, (_, i) => {
    const appId = apps[i % 3] as AppName
    const rank = ranks[appId]++
    return enrol(appId, rank, roleOf(appId, rank), 'send')
  })
  const quarantineRoles: readonly Role[] = ['ambiguous', 'ambiguous', 'failing', 'failing']
  quarantined = (['ios', 'android'] as const).flatMap((appId) =>
    quarantineRoles.map((role, index) => enrol(appId, index * 25, role, 'quarantine')),
  )
  for (const m of [...population, ...quarantined]) addSecret(m.token, `${m.deviceId} (${m.role})`)
})

afterAll(async () => {
  // Reverse order: ports and agents before the peers they talk to.
  for (const close of closers.reverse()) await close()
})

describe('dispatch through the APNs, FCM and Web Push adapters to their loopback peers', () => {
  it('R16, R17, R18, D6: a send to a segment of 10,000 users over the three providers invalidates exactly the tokens the peers declared dead, and the ambiguous ones D6 confirms', async () => {
    const { registry, seen } = newRegistry()
    await feed(registry, population)
    const before = marks()
    const { dispatcher, waits } = newDispatcher(registry, trustedPorts(), 'send')

    const reports = await sendAll(dispatcher)

    // The peers' own records say which tokens they declared dead or answered ambiguously; they
    // are the ones scripted (a sanity check of the set-up, not of the library).
    const declared = peerVerdicts(before)
    expect(declared.dead).toEqual(keysOf(population, 'dead', 'stale'))
    expect(declared.ambiguous).toEqual(keysOf(population, 'ambiguous'))

    // R16: dead ends the token, unless (R17) the evidence predates the registration.
    // D6: each ambiguous answer came in a dispatch that delivered to other tokens of the same
    // app through the same credential, which shows the credential works: one answer confirms.
    const stale = keysOf(population, 'stale')
    const expectedEnded = new Set([...declared.dead].filter((key) => !stale.has(key)).concat([...declared.ambiguous]))
    const registrations = await collect(registry.registrations())
    expect(registrations).toHaveLength(users)
    const ended = new Set(registrations.filter((r) => r.status === 'ended').map((r) => keyOf(r.token as PushToken)))
    expect(ended).toEqual(expectedEnded)
    expect(registrations.filter((r) => r.status !== 'ended' && r.status !== 'active')).toEqual([])
    for (const key of stale) expect(ended.has(key), 'R17: a 410 stamped before the registration keeps the token').toBe(false)

    // I6: the targets are everyone else, the R17 survivors and the payload refusals (I10) included.
    for (const appId of apps) {
      const mine = population.filter((m) => m.appId === appId).map((m) => keyOf(m.token))
      expect(await targetKeys(registry, appId)).toEqual(new Set(mine.filter((key) => !expectedEnded.has(key))))
    }
    const invalidations = seenOf(seen, 'token.invalidated') as { reason: string }[]
    expect(invalidations).toHaveLength(expectedEnded.size)
    expect(new Set(invalidations.map((e) => e.reason))).toEqual(new Set(['dead']))

    // R9: the changelog says so, per user.
    for (const role of ['dead', 'ambiguous'] as const) {
      for (const appId of apps) {
        const member = population.find((m) => m.appId === appId && m.role === role)
        if (member === undefined) continue
        expect((await registry.changelog(member.userId)).at(-1)).toMatchObject({ kind: 'invalidated', reason: 'dead' })
      }
    }
    for (const member of population.filter((m) => m.role === 'stale')) {
      expect((await registry.changelog(member.userId)).map((e) => e.kind)).toEqual(['registered'])
    }

    // The reports count the same answers, every target ends in exactly one outcome.
    for (const appId of apps) {
      const report = reports[appId]
      expect(report.targeted).toBe(population.filter((m) => m.appId === appId).length)
      expect(outcomeSum(report)).toBe(report.targeted)
      expect(report).toMatchObject({
        delivered: count(population, appId, 'delivered', 'transient'),
        dead: count(population, appId, 'dead', 'stale'),
        suspect: count(population, appId, 'ambiguous'),
        payloadRejected: count(population, appId, 'payload'),
        retries: count(population, appId, 'transient'),
        withheld: 0,
        transientFailed: 0,
        credentialsRejected: 0,
        credentialsStopped: 0,
        credentialStop: null,
        feedbackRejected: 0,
      })
    }
    expect(reports.ios.targeted + reports.android.targeted + reports.web.targeted).toBe(users)
    expect(waits).toHaveLength(count(population, 'ios', 'transient') + count(population, 'android', 'transient') + count(population, 'web', 'transient'))

    // And the peers got the pushes: every delivery the reports count reached a peer's checks.
    expect(apnsPeer.received.slice(before.apnsReceived).filter((p) => p.status === 200)).toHaveLength(reports.ios.delivered)
    expect(fcmPeer.received().slice(before.fcmReceived).filter((m) => m.answer === 'ok')).toHaveLength(reports.android.delivered)
    const webDelivered = webPeer.received.slice(before.webReceived).filter((m) => m.status === 201)
    expect(webDelivered).toHaveLength(reports.web.delivered)
    expect(JSON.parse(webDelivered[0]?.plaintext.toString('utf8') ?? 'null')).toMatchObject({ title: 'Soldes' })
  })

  it('R18, D6: ambiguous answers in a dispatch that delivered to no other token stay in quarantine: suspect, not targets, not in segments, not ended', async () => {
    // null: nothing in these dispatches shows the credential working, and with the default
    // threshold (2) the alike rule (R18) would take the two ambiguous answers for the
    // credential's fault; here they count as token evidence, to show what the registry does with them.
    const { registry, seen } = newRegistry({ ios: { ambiguousAlikeThreshold: null }, android: { ambiguousAlikeThreshold: null } })
    await feed(registry, quarantined)
    const { dispatcher } = newDispatcher(registry, trustedPorts(), 'quarantine', { retry: { maxAttempts: 3 } })

    for (const appId of ['ios', 'android'] as const) {
      const report = await dispatcher.send({ appId, kind: 'alert', audience: { segment }, payload: payloads[appId] })
      corpus.push(`report ${JSON.stringify(report)}`)
      expect(report).toMatchObject({ targeted: 4, delivered: 0, dead: 0, suspect: 2, withheld: 0, transientFailed: 2, retries: 4, credentialStop: null })
    }

    const byDevice = new Map((await collect(registry.registrations())).map((r) => [r.deviceId as string, r]))
    for (const member of quarantined) {
      const registration = byDevice.get(member.deviceId)
      if (member.role === 'ambiguous') expect(registration).toMatchObject({ status: 'suspect', active: false })
      else expect(registration).toMatchObject({ status: 'active', active: true })
      expect((await registry.changelog(member.userId)).map((e) => e.kind)).toEqual(['registered'])
    }
    const failing = quarantined.filter((m) => m.role === 'failing')
    for (const appId of ['ios', 'android'] as const) {
      expect(await targetKeys(registry, appId)).toEqual(new Set(failing.filter((m) => m.appId === appId).map((m) => keyOf(m.token))))
    }
    const parsed = parseSegment(segment)
    if (E.isLeft(parsed)) throw new Error('the segment parses')
    expect(new Set(await collect(registry.segment(parsed.right)))).toEqual(new Set(failing.map((m) => m.userId)))
    expect(seenOf(seen, 'token.quarantined')).toHaveLength(4)
    expect(seenOf(seen, 'token.invalidated')).toEqual([])
  })

  it('I10, R16: the same 10,000 users through credentials every peer refuses: no token is invalidated for a credentials answer, none is quarantined, and the reports count the stop', async () => {
    const { registry, seen } = newRegistry()
    await feed(registry, population)
    const before = marks()
    const { dispatcher, seen: events } = newDispatcher(registry, refusedPorts(), 'refused')

    const reports = await sendAll(dispatcher)

    // A push service must find a subscription before it knows which VAPID key it is bound to,
    // so the Web Push peer answers 410/404 for a gone subscription before checking the
    // credential: such an answer is real evidence about that token (R16), whatever the
    // credential. It is the only way a token may end here; APNs and FCM refuse the credential
    // before they look at any token.
    const declared = peerVerdicts(before)
    expect([...declared.dead].every((key) => keysOf(population, 'dead').has(key) && key.startsWith(webPeer.origin))).toBe(true)
    expect(declared.ambiguous).toEqual(new Set())
    const deadIn = (appId: AppName): number => population.filter((m) => m.appId === appId && declared.dead.has(keyOf(m.token))).length

    const expectedStop: Record<AppName, { status: number; reason?: string }> = {
      ios: { status: 403, reason: 'InvalidProviderToken' },
      android: { status: 401 },
      web: { status: 403 },
    }
    for (const appId of apps) {
      const report = reports[appId]
      expect(report.targeted).toBe(population.filter((m) => m.appId === appId).length)
      expect(report.credentialStop).toMatchObject({ cause: 'credentials', ...expectedStop[appId] })
      expect(report).toMatchObject({ delivered: 0, dead: deadIn(appId), suspect: 0, withheld: 0, payloadRejected: 0, transientFailed: 0, feedbackRejected: 0 })
      // R16: pushes in flight when the first refusal came back finish; no other push is sent.
      // Only a worker whose push ended otherwise (a gone subscription) before that refusal may
      // have started one more.
      expect(report.credentialsRejected).toBeGreaterThan(0)
      expect(report.sent).toBe(report.credentialsRejected + report.dead)
      expect(report.sent).toBeLessThanOrEqual(concurrency + report.dead)
      expect(report.credentialsStopped).toBe(report.targeted - report.sent)
    }
    expect(seenOf(events, 'dispatch.credentials_stopped')).toHaveLength(3)

    // I10: apart from the gone subscriptions, the state is exactly what the sessions made it.
    const registrations = await collect(registry.registrations())
    expect(registrations).toHaveLength(users)
    expect(registrations.filter((r) => r.status === 'suspect')).toEqual([])
    expect(new Set(registrations.filter((r) => r.status !== 'active').map((r) => keyOf(r.token as PushToken)))).toEqual(declared.dead)
    for (const appId of apps) expect((await targetKeys(registry, appId)).size).toBe(reports[appId].targeted - deadIn(appId))
    expect(seenOf(seen, 'token.invalidated')).toHaveLength(declared.dead.size)
    expect(seenOf(seen, 'token.quarantined')).toEqual([])

    // The peers refused the credential, and delivered nothing.
    const apnsAnswers = apnsPeer.answers.slice(before.apnsAnswers)
    expect(apnsAnswers).toHaveLength(reports.ios.sent)
    expect(apnsAnswers.every((a) => a.status === 403 && a.reason === 'InvalidProviderToken')).toBe(true)
    expect(apnsPeer.received).toHaveLength(before.apnsReceived)
    const fcmStats = fcmPeer.stats()
    expect(fcmStats.refusedExchanges).toBeGreaterThan(before.fcmStats.refusedExchanges)
    expect(fcmStats.sendRequests).toBe(before.fcmStats.sendRequests)
    const webRequests = webPeer.requests.slice(before.webRequests)
    expect(webRequests).toHaveLength(reports.web.sent)
    expect(webRequests.filter((r) => r.status === 403)).toHaveLength(reports.web.credentialsRejected)
    expect(webPeer.received).toHaveLength(before.webReceived)
  })

  it('S2: no raw token appears in any adapter log line, dispatcher event or report, registry event, adapter reply or error message', async () => {
    // Errors and rejections that are about a token, provoked on purpose.
    const { registry } = newRegistry()
    const { dispatcher } = newDispatcher(registry, trustedPorts(), 'errors')
    const probeFcm = fcmToken()
    const probeApns = `${apnsToken('odd')}0`
    const probeEndpoint = { endpoint: `https://evil.example/push/${randomBytes(24).toString('base64url')}`, keys: { p256dh: randomBytes(65).toString('base64url'), auth: randomBytes(16).toString('base64url') } }
    const probeLong = `${randomBytes(16).toString('base64url')}${'x'.repeat(4100)}`
    addSecret(probeFcm, 'probe FCM token')
    addSecret(probeApns, 'probe APNs token')
    addSecret(probeEndpoint, 'probe endpoint off the allow-list')
    addSecret(probeLong, 'probe over-long token')
    const known = population.find((m) => m.appId === 'android')
    if (known === undefined) throw new Error('an android member')
    const rejected = await registry.ingest([
      { type: 'session_started', at: iso(registeredAt), appId: 'ios', deviceId: 'p1', permission: 'granted', token: probeApns },
      { type: 'session_started', at: iso(registeredAt), appId: 'web', deviceId: 'p2', permission: 'granted', token: probeEndpoint },
      { type: 'session_started', at: iso(registeredAt), appId: 'android', deviceId: 'p3', permission: 'granted', osVersion: '14', token: probeLong },
      { type: 'provider_answer', at: iso(now), appId: 'nowhere', provider: 'fcm', status: 404, reason: 'UNREGISTERED', token: known.token },
    ])
    expect(rejected.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3])
    corpus.push(`ingest ${JSON.stringify(rejected)}`)
    const messages = await Promise.all([
      dispatcher.send({ appId: 'android', kind: 'alert', audience: { segment: probeFcm }, payload: {} }),
      dispatcher.send({ appId: 'android', kind: 'alert', audience: { segment: keyOf(known.token) }, payload: {} }),
      dispatcher.send({ appId: 'nowhere', kind: 'alert', audience: { userIds: [probeFcm] }, payload: {} }),
    ].map((p) => p.then(() => 'sent', (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)))))
    expect(messages.every((m) => m !== 'sent')).toBe(true)
    corpus.push(...messages)

    // The search can fail: a raw token, or only an endpoint's path, is found; a redacted one is not.
    const web = population.find((m) => m.appId === 'web' && typeof m.token !== 'string')
    const ios = population.find((m) => m.appId === 'ios')
    if (web === undefined || typeof web.token === 'string' || ios === undefined) throw new Error('members of each app')
    expect(leaksIn([`sent to ${String(ios.token)}.`], secretPieces)).toHaveLength(1)
    expect(leaksIn([`POST ${new URL(web.token.endpoint).pathname} failed`], secretPieces)).toHaveLength(1)
    expect(leaksIn([`sent to ${redact(ios.token)} and ${redact(web.token)}`], secretPieces)).toEqual([])

    // What was captured holds token-bearing lines of all three adapters and of the dispatcher.
    for (const prefix of ['apns ', 'fcm ', 'webpush ', 'dispatch.answer ', 'dispatch.retry ', 'dispatch.credentials_stopped ', 'token.invalidated ', 'token.quarantined ', 'input.rejected ', 'reply ']) {
      expect(corpus.some((line) => line.startsWith(prefix)), `no ${prefix.trim()} line captured`).toBe(true)
    }
    const dead = population.filter((m) => m.role === 'dead')
    for (const appId of apps) {
      const member = dead.find((m) => m.appId === appId)
      if (member === undefined) throw new Error(`a dead ${appId} member`)
      expect(corpus.some((line) => line.includes(redact(member.token))), `the redacted ${appId} token is logged`).toBe(true)
    }

    expect(leaksIn(corpus, secretPieces)).toEqual([])
  })
})
