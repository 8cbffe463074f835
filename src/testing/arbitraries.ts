import fc from 'fast-check'
import type { App, PushToken } from 'push-registry'
import { classifyAnswer } from 'push-registry'
import {
  kitApps,
  kitDevices,
  kitDispatches,
  kitEmails,
  kitHexTokens,
  kitPhones,
  kitTimes,
  kitUsers,
  kitWebTokens,
} from './universe.js'

/** An input as a client SDK or a sender sends it: plain JSON, before the registry decodes it. */
export type RawInput = { readonly type: string; readonly at: string } & Readonly<Record<string, unknown>>

const at = fc.constantFrom(...kitTimes)
const app = fc.constantFrom(...kitApps)
const device = fc.constantFrom(...kitDevices)
const user = fc.constantFrom(...kitUsers)
const dispatch = fc.constantFrom(...kitDispatches)

const tokenOf = (target: App): fc.Arbitrary<PushToken> =>
  target.platform === 'web' ? fc.constantFrom(...kitWebTokens) : fc.constantFrom(...kitHexTokens)

const osVersionOf = (target: App): fc.Arbitrary<string> =>
  target.platform === 'android' ? fc.constantFrom('12', '14') : target.platform === 'ios' ? fc.constantFrom('17.4', '12.0') : fc.constant('124')

/**
 * A session start or token report (R2, R5, R6). Web reports that carry a token carry
 * `granted`, since anything else is rejected (D5); the APNs environment appears on iOS only (S4).
 */
const report = (type: 'session_started' | 'token_reported'): fc.Arbitrary<RawInput> =>
  app.chain((target) =>
    fc
      .record(
        {
          at,
          deviceId: device,
          userId: user,
          token: tokenOf(target),
          permission: fc.constantFrom('granted', 'provisional', 'denied', 'not_determined'),
          osVersion: osVersionOf(target),
          apnsEnvironment: fc.constantFrom('sandbox', 'production'),
        },
        { requiredKeys: ['at', 'deviceId', 'permission'] },
      )
      .map(({ userId, osVersion, apnsEnvironment, permission, ...rest }): RawInput => ({
        type,
        appId: target.appId,
        ...rest,
        permission: target.platform === 'web' && rest.token !== undefined ? 'granted' : permission,
        ...(type === 'session_started' && userId !== undefined ? { userId } : {}),
        ...(type === 'session_started' && osVersion !== undefined ? { osVersion } : {}),
        ...(target.platform === 'ios' && apnsEnvironment !== undefined ? { apnsEnvironment } : {}),
      })),
  )

const onDevice = <T extends Record<string, unknown>>(type: string, extra: fc.Arbitrary<T>): fc.Arbitrary<RawInput> =>
  fc.tuple(at, app, device, extra).map(([time, target, deviceId, rest]): RawInput => ({ type, at: time, appId: target.appId, deviceId, ...rest }))

/**
 * Provider answers of §4, by provider: first the ones that are evidence about a token (dead,
 * ambiguous, delivered), which the generator favours, then the ones that are not.
 */
const answerShapes: Readonly<Record<string, { readonly evidence: readonly AnswerShape[]; readonly other: readonly AnswerShape[] }>> = {
  apns: {
    evidence: [
      { status: 200 },
      { status: 410, reason: 'Unregistered' },
      { status: 410, reason: 'ExpiredToken' },
      { status: 400, reason: 'BadDeviceToken' },
      { status: 400, reason: 'DeviceTokenNotForTopic' },
    ],
    other: [
      { status: 400, reason: 'TopicDisallowed' },
      { status: 403, reason: 'InvalidProviderToken' },
      { status: 403, reason: 'BadCertificateEnvironment' },
      { status: 403, reason: 'ExpiredProviderToken' },
      { status: 429, reason: 'TooManyProviderTokenUpdates' },
      { status: 400, reason: 'BadCollapseId' },
      { status: 400, reason: 'PayloadEmpty' },
      { status: 413, reason: 'PayloadTooLarge' },
      { status: 405 },
      { status: 429, reason: 'TooManyRequests' },
      { status: 503, reason: 'ServiceUnavailable' },
      { status: 0 },
    ],
  },
  fcm: {
    evidence: [
      { status: 200 },
      { status: 404, reason: 'UNREGISTERED' },
      { status: 200, reason: 'NotRegistered' },
      { status: 200, reason: 'InvalidRegistration' },
      { status: 200, reason: 'MismatchSenderId' },
      { status: 400, reason: 'INVALID_ARGUMENT', detail: 'The registration token is not a valid FCM registration token' },
      { status: 403, reason: 'SENDER_ID_MISMATCH' },
    ],
    other: [
      { status: 400, reason: 'INVALID_ARGUMENT', detail: 'Invalid JSON payload received.' },
      { status: 401, reason: 'THIRD_PARTY_AUTH_ERROR' },
      { status: 403, reason: 'PERMISSION_DENIED' },
      { status: 429, reason: 'QUOTA_EXCEEDED' },
      { status: 503, reason: 'UNAVAILABLE' },
    ],
  },
  webpush: {
    evidence: [{ status: 201 }, { status: 404 }, { status: 410 }],
    other: [{ status: 401 }, { status: 403 }, { status: 400 }, { status: 413 }, { status: 429 }, { status: 502 }],
  },
}

interface AnswerShape {
  readonly status: number
  readonly reason?: string
  readonly detail?: string
}

const providerOf = (target: App): string => (target.platform === 'ios' ? 'apns' : target.platform === 'android' ? 'fcm' : 'webpush')

const answerAbout = (target: App, shape: fc.Arbitrary<AnswerShape>): fc.Arbitrary<RawInput> => {
  const provider = providerOf(target)
  return fc
    .record(
      {
        at,
        token: tokenOf(target),
        shape,
        timestamp: fc.constantFrom(...kitTimes.map((t) => Date.parse(t))),
        dispatchId: dispatch,
      },
      { requiredKeys: ['at', 'token', 'shape'] },
    )
    .map(({ shape: answer, timestamp, ...rest }): RawInput => ({
      type: 'provider_answer',
      appId: target.appId,
      provider,
      ...rest,
      ...answer,
      ...(provider === 'apns' && answer.reason === 'Unregistered' && timestamp !== undefined ? { timestamp } : {}),
    }))
}

const shapesOf = (target: App) => answerShapes[providerOf(target)] ?? { evidence: [], other: [] }

/**
 * A provider answer about one of the app's tokens (R15–R18): APNs 410 with and without its
 * evidence timestamp (R17), ambiguous answers with and without a dispatch (D6), and every
 * other class of §4; evidence about tokens is favoured.
 */
export const providerAnswer: fc.Arbitrary<RawInput> = app.chain((target) =>
  answerAbout(
    target,
    fc.oneof(
      { arbitrary: fc.constantFrom(...shapesOf(target).evidence), weight: 3 },
      { arbitrary: fc.constantFrom(...shapesOf(target).other), weight: 1 },
    ),
  ),
)

/** Answers that §4 classes as `credentials` or `payload`: they never invalidate (R16, I10). */
export const harmlessAnswer: fc.Arbitrary<RawInput> = app.chain((target) =>
  answerAbout(
    target,
    fc.constantFrom(
      ...shapesOf(target).other.filter((shape) => {
        const verdict = classifyAnswer({ provider: providerOf(target), ...shape }).class
        return verdict === 'credentials' || verdict === 'payload'
      }),
    ),
  ),
)

const subscriptionSet: fc.Arbitrary<RawInput> = fc.record({
  type: fc.constant('subscription_set'),
  at,
  userId: user,
  state: fc.constantFrom('subscribed', 'opted_in', 'unsubscribed'),
})

const userAttributes: fc.Arbitrary<RawInput> = fc.record(
  {
    type: fc.constant('user_attributes'),
    at,
    userId: user,
    email: fc.constantFrom<string | null>(null, ...kitEmails),
    phone: fc.constantFrom<string | null>(null, ...kitPhones),
  },
  { requiredKeys: ['type', 'at', 'userId'] },
)

/**
 * Every kind of valid input over the kit's universe, weighted towards the ones that move
 * tokens and owners.
 */
export const validInput: fc.Arbitrary<RawInput> = fc.oneof(
  { arbitrary: report('session_started'), weight: 6 },
  { arbitrary: report('token_reported'), weight: 3 },
  { arbitrary: onDevice('user_changed', fc.record({ userId: user })), weight: 4 },
  { arbitrary: onDevice('logged_out', fc.record({ userId: user })), weight: 1 },
  { arbitrary: onDevice('prompt_answered', fc.record({ result: fc.constantFrom('granted', 'provisional', 'denied') })), weight: 2 },
  { arbitrary: onDevice('uninstalled', fc.constant({})), weight: 2 },
  { arbitrary: providerAnswer, weight: 6 },
  { arbitrary: subscriptionSet, weight: 2 },
  { arbitrary: userAttributes, weight: 1 },
  {
    arbitrary: onDevice('delivery_reported', fc.record({ dispatchId: dispatch, event: fc.constantFrom('received', 'opened') })),
    weight: 1,
  },
)

/**
 * Inputs that validation must reject (S1, S3, S4, D5, D13), each a near miss of a valid one,
 * plus values that are not inputs at all.
 */
export const malformedInput: fc.Arbitrary<unknown> = fc.oneof(
  validInput.filter((input) => 'appId' in input).map((input) => ({ ...input, appId: 'not-configured' })),
  validInput.map((input) => ({ ...input, at: 'yesterday' })),
  validInput.map((input) => ({ ...input, type: 'made_up' })),
  fc.tuple(at, device).map(([time, deviceId]) => ({
    type: 'session_started',
    at: time,
    appId: 'web',
    deviceId,
    token: kitWebTokens[0],
    permission: 'denied',
  })),
  fc.tuple(at, device).map(([time, deviceId]) => ({
    type: 'token_reported',
    at: time,
    appId: 'ios',
    deviceId,
    token: 'not-a-hex-token',
    permission: 'granted',
  })),
  fc.tuple(at, device).map(([time, deviceId]) => ({
    type: 'session_started',
    at: time,
    appId: 'web',
    deviceId,
    token: { endpoint: 'https://push.attacker.example/x', keys: { p256dh: 'k', auth: 'a' } },
    permission: 'granted',
  })),
  fc.tuple(at, device).map(([time, deviceId]) => ({
    type: 'session_started',
    at: time,
    appId: 'android',
    deviceId,
    token: kitHexTokens[0],
    permission: 'granted',
    apnsEnvironment: 'production',
  })),
  fc.tuple(at, user).map(([time, userId]) => ({ type: 'user_changed', at: time, appId: 'ios', userId })),
  at.map((time) => ({ type: 'user_changed', at: time, appId: 'ios', deviceId: 'phone-1', userId: 'x'.repeat(257) })),
  fc.tuple(at, user).map(([time, userId]) => ({ type: 'subscription_set', at: time, userId, state: 'maybe' })),
  at.map((time) => ({ type: 'provider_answer', at: time, appId: 'android', token: kitHexTokens[0], provider: 'fcm', status: 700 })),
  fc.constantFrom<unknown>(42, null, 'session_started', [], {}),
)

/** A list of valid inputs, short enough to keep runs fast and long enough to collide. */
export const validInputs: fc.Arbitrary<RawInput[]> = fc.array(validInput, { minLength: 1, maxLength: 30 })
