import fc from 'fast-check'
import type { AnswerShape, App, AppId, AppPolicy, Input, Instant, PolicyOverrides, RegistryRecord } from 'push-registry'
import { recordId, resolvePolicy } from 'push-registry'
import { decide } from '../../src/domain/decide.js'
import { canonicalKey } from '../../src/domain/order.js'
import type { Catalog, World } from '../../src/domain/world.js'

/** Runs per property: 200 by default, more with `FC_RUNS=5000`. */
export const numRuns = Number(process.env['FC_RUNS'] ?? 200)

const t0 = Date.parse('2026-01-01T00:00:00.000Z')
const hour = 3_600_000

/**
 * A small universe, so that collisions happen: two apps (one iOS, one Android, sharing token
 * strings, R4), three devices, three users, three tokens, six instants (ties, R20).
 */
export const apps: readonly App[] = [
  { appId: 'ios' as AppId, name: 'MyApp (iOS)', platform: 'ios' },
  { appId: 'android' as AppId, name: 'MyApp (Android)', platform: 'android' },
]
export const users = ['u1', 'u2', 'u3'] as const
export const tokens = ['a1'.repeat(32), 'b2'.repeat(32), 'c3'.repeat(32)] as const

export const instantArb = fc.integer({ min: 0, max: 5 }).map((k) => (t0 + k * hour) as Instant)
const appIdArb = fc.constantFrom('ios', 'android')
const deviceArb = fc.constantFrom('d1', 'd2', 'd3')
const userArb = fc.constantFrom(...users)
const tokenArb = fc.constantFrom(...tokens)
const permissionArb = fc.constantFrom('granted', 'provisional', 'denied', 'not_determined')
const dispatchArb = fc.option(fc.constantFrom('x1', 'x2', 'x3'), { nil: undefined })

/** Drops `undefined` fields, as a decoded input never holds them. */
const compact = (o: Record<string, unknown>): Input =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as Input

/** One representative answer per class and provider (§4). */
const answerRows = {
  ios: [
    { status: 410, reason: 'Unregistered', stamped: true },
    { status: 410, reason: 'ExpiredToken' },
    { status: 400, reason: 'BadDeviceToken' },
    { status: 200 },
    { status: 403, reason: 'InvalidProviderToken' },
    { status: 400, reason: 'BadTopic' },
    { status: 503 },
  ],
  android: [
    { status: 404, reason: 'UNREGISTERED' },
    { status: 200, reason: 'NotRegistered' },
    { status: 403, reason: 'SENDER_ID_MISMATCH' },
    { status: 200 },
    { status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' },
    { status: 400, reason: 'INVALID_ARGUMENT' },
    { status: 500 },
  ],
} as const

const onDevice = fc.record({ at: instantArb, appId: appIdArb, deviceId: deviceArb })

const sessionArb = fc
  .tuple(onDevice, permissionArb, fc.option(userArb, { nil: undefined }), fc.option(tokenArb, { nil: undefined }), fc.option(fc.constantFrom('12', '13'), { nil: undefined }), fc.option(fc.constantFrom('sandbox', 'production'), { nil: undefined }))
  .map(([base, permission, userId, token, osVersion, env]) =>
    compact({ type: 'session_started', ...base, permission, userId, token, osVersion, apnsEnvironment: base.appId === 'ios' && token !== undefined ? env : undefined }),
  )
const reportArb = fc
  .tuple(onDevice, permissionArb, fc.option(tokenArb, { nil: undefined }))
  .map(([base, permission, token]) => compact({ type: 'token_reported', ...base, permission, token }))
const promptArb = fc
  .tuple(onDevice, fc.constantFrom('granted', 'provisional', 'denied'))
  .map(([base, result]) => compact({ type: 'prompt_answered', ...base, result }))
const loginArb = fc.tuple(onDevice, userArb).map(([base, userId]) => compact({ type: 'user_changed', ...base, userId }))
const logoutArb = fc.tuple(onDevice, userArb).map(([base, userId]) => compact({ type: 'logged_out', ...base, userId }))
const uninstallArb = onDevice.map((base) => compact({ type: 'uninstalled', ...base }))
const answerArb = fc
  .tuple(instantArb, appIdArb, tokenArb, fc.nat(6), dispatchArb, instantArb)
  .map(([at, appId, token, row, dispatchId, stamp]) => {
    const chosen: { status: number; reason?: string; stamped?: boolean } = answerRows[appId as 'ios' | 'android'][row] ?? { status: 200 }
    return compact({
      type: 'provider_answer',
      at,
      appId,
      token,
      provider: appId === 'ios' ? 'apns' : 'fcm',
      status: chosen.status,
      reason: chosen.reason,
      timestamp: chosen.stamped === true ? stamp : undefined,
      dispatchId,
    })
  })
const subscriptionArb = fc
  .tuple(instantArb, userArb, fc.constantFrom('subscribed', 'opted_in', 'unsubscribed'))
  .map(([at, userId, state]) => compact({ type: 'subscription_set', at, userId, state }))
const attributesArb = fc
  .tuple(instantArb, userArb, fc.constantFrom('a@x.io', ' A@X.io', 'b@x.io', null, undefined), fc.constantFrom('+1 555', '+1555', null, undefined))
  .map(([at, userId, email, phone]) => compact({ type: 'user_attributes', at, userId, email, phone }))
const deliveryArb = fc
  .tuple(onDevice, fc.constantFrom('x1', 'x2'), fc.constantFrom('received', 'opened'))
  .map(([base, dispatchId, event]) => compact({ type: 'delivery_reported', ...base, dispatchId, event }))

/** Any accepted input of the small universe, weighted towards what moves registrations. */
export const inputArb: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: sessionArb, weight: 4 },
  { arbitrary: reportArb, weight: 2 },
  { arbitrary: loginArb, weight: 3 },
  { arbitrary: logoutArb, weight: 1 },
  { arbitrary: promptArb, weight: 1 },
  { arbitrary: uninstallArb, weight: 1 },
  { arbitrary: answerArb, weight: 3 },
  { arbitrary: subscriptionArb, weight: 1 },
  { arbitrary: attributesArb, weight: 1 },
  { arbitrary: deliveryArb, weight: 1 },
)

/** Per-app policies, including shared ownership and a single confirmation (R10, R18). */
export const policiesArb: fc.Arbitrary<Readonly<Record<string, PolicyOverrides>>> = fc.record({
  ios: fc.record({ ownership: fc.constantFrom('exclusive' as const, 'shared' as const), suspectConfirmations: fc.integer({ min: 1, max: 3 }) }),
  android: fc.record({ ownership: fc.constantFrom('exclusive' as const, 'shared' as const), optInWhenPushAuthorized: fc.boolean() }),
})

/** A list, a permutation of it, and the list with some of its inputs repeated, shuffled (I9). */
export const reorderedArb = <A>(items: fc.Arbitrary<A>, maxLength: number) =>
  fc.array(items, { maxLength }).chain((list) =>
    fc.tuple(
      fc.constant(list),
      fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
      fc.subarray(list).chain((extra) => fc.shuffledSubarray([...list, ...extra], { minLength: list.length + extra.length, maxLength: list.length + extra.length })),
    ),
  )

/** The input as a client would send it: `at` as ISO-8601 (vectors.md). */
export const toWire = (input: Input): Record<string, unknown> => ({ ...input, at: new Date(input.at).toISOString() })

export const catalogOf = (overrides: Readonly<Record<string, PolicyOverrides>> = {}): Catalog => {
  const policies = new Map<string, AppPolicy>(apps.map((app) => [app.appId, resolvePolicy(app, overrides[app.appId])]))
  return {
    app: (appId) => apps.find((a) => a.appId === appId),
    policy: (appId) => policies.get(appId) ?? resolvePolicy({ appId, name: appId, platform: 'ios' }),
  }
}

/** Folds inputs one by one through the pure decider over an in-memory world holding every record. */
export const applyAll = (inputs: readonly Input[], catalog: Catalog): Map<string, RegistryRecord> => {
  const store = new Map<string, RegistryRecord>()
  const world: World = { get: (key) => store.get(recordId(key)) }
  for (const input of inputs) for (const record of decide(world, input, catalog)) store.set(recordId(record), record)
  return store
}

/** The whole state as one comparable string. */
export const stateKey = (store: ReadonlyMap<string, RegistryRecord>): string =>
  canonicalKey([...store.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, record]) => record))

const knownReasons = [
  'Unregistered', 'ExpiredToken', 'BadDeviceToken', 'DeviceTokenNotForTopic', 'TopicDisallowed', 'BadCertificate',
  'ExpiredProviderToken', 'TooManyProviderTokenUpdates', 'IdleTimeout', 'TooManyRequests', 'PayloadTooLarge',
  'UNREGISTERED', 'INVALID_ARGUMENT', 'SENDER_ID_MISMATCH', 'THIRD_PARTY_AUTH_ERROR', 'QUOTA_EXCEEDED', 'INTERNAL',
  'UNAVAILABLE', 'NotRegistered', 'InvalidRegistration', 'MismatchSenderId',
]

/** Any answer shape: known and unknown providers, any status, known and random reasons and details. */
export const answerShapeArb: fc.Arbitrary<AnswerShape> = fc
  .record({
    provider: fc.oneof(fc.constantFrom('apns', 'fcm', 'webpush'), fc.string({ maxLength: 8 })),
    status: fc.oneof(fc.constantFrom(0, 200, 201, 400, 401, 403, 404, 405, 410, 413, 429, 500, 503), fc.integer({ min: -1000, max: 1000 })),
    reason: fc.option(fc.oneof(fc.constantFrom(...knownReasons), fc.string({ minLength: 1, maxLength: 12 })), { nil: undefined }),
    detail: fc.option(fc.oneof(fc.constantFrom('not a valid FCM registration token', "Invalid value at 'message.token'"), fc.string({ minLength: 1, maxLength: 20 })), { nil: undefined }),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as AnswerShape)

/** The APNs answers that are evidence about a token (R16–R18, §4), by kind: what the claim and evidence properties send. */
export type ApnsEvidence = 'dead' | 'stamped' | 'ambiguous' | 'delivered'

/** An APNs answer of one kind about `token`; `stamp` is the 410 timestamp of a `stamped` one (R17). */
export const apnsAnswer = (o: { at: number; token: string; kind: ApnsEvidence; dispatchId?: string | undefined; stamp: number }): Input =>
  ({
    type: 'provider_answer',
    at: o.at,
    appId: 'ios',
    token: o.token,
    provider: 'apns',
    ...(o.kind === 'dead' ? { status: 410, reason: 'ExpiredToken' } : {}),
    ...(o.kind === 'stamped' ? { status: 410, reason: 'Unregistered', timestamp: o.stamp } : {}),
    ...(o.kind === 'ambiguous' ? { status: 400, reason: 'BadDeviceToken' } : {}),
    ...(o.kind === 'delivered' ? { status: 200 } : {}),
    ...(o.dispatchId === undefined ? {} : { dispatchId: o.dispatchId }),
  }) as unknown as Input
