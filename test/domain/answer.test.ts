import { describe, expect, it } from 'vitest'
import type { AnswerClass, AnswerShape, Instant, ProviderAnswer } from 'push-registry'
import { classifyAnswer, deadEvidenceAt } from 'push-registry'

/** §4 of domain.md, row by row: provider, status, reason, optional detail, and the class. */
type Row = readonly [provider: string, status: number, reason: string | undefined, expected: AnswerClass, detail?: string]

const delivered: AnswerClass = { class: 'delivered' }
const dead: AnswerClass = { class: 'dead' }
const ambiguous: AnswerClass = { class: 'ambiguous' }
const credentials: AnswerClass = { class: 'credentials', refresh: false }
const payload: AnswerClass = { class: 'payload' }
const transient: AnswerClass = { class: 'transient', recognised: true }
const unrecognised: AnswerClass = { class: 'transient', recognised: false }

const shape = (provider: string, status: number, reason: string | undefined, detail?: string): AnswerShape => ({
  provider,
  status,
  ...(reason === undefined ? {} : { reason }),
  ...(detail === undefined ? {} : { detail }),
})

const check = (rows: readonly Row[]): void => {
  for (const [provider, status, reason, expected, detail] of rows) {
    const label = `${provider} ${status} ${reason ?? '(no reason)'}${detail === undefined ? '' : ` "${detail}"`}`
    expect(classifyAnswer(shape(provider, status, reason, detail)), label).toEqual(expected)
  }
}

describe('classifyAnswer: APNs rows of §4 (R15)', () => {
  it('R15: APNs 200 is delivered', () => check([['apns', 200, undefined, delivered]]))

  it('R16, R17: APNs 410 Unregistered and 410 ExpiredToken are dead', () =>
    check([
      ['apns', 410, 'Unregistered', dead],
      ['apns', 410, 'ExpiredToken', dead],
    ]))

  it('R18: APNs 400 BadDeviceToken and DeviceTokenNotForTopic are ambiguous', () =>
    check([
      ['apns', 400, 'BadDeviceToken', ambiguous],
      ['apns', 400, 'DeviceTokenNotForTopic', ambiguous],
    ]))

  it('R16: APNs credential failures are credentials, without refresh', () =>
    check([
      ['apns', 400, 'TopicDisallowed', credentials],
      ['apns', 403, 'BadCertificate', credentials],
      ['apns', 403, 'BadCertificateEnvironment', credentials],
      ['apns', 403, 'Forbidden', credentials],
      ['apns', 403, 'InvalidProviderToken', credentials],
      ['apns', 403, 'MissingProviderToken', credentials],
      ['apns', 429, 'TooManyProviderTokenUpdates', credentials],
    ]))

  it('R16: APNs 403 ExpiredProviderToken is credentials that heal by minting a new JWT (refresh: true)', () =>
    check([['apns', 403, 'ExpiredProviderToken', { class: 'credentials', refresh: true }]]))

  it('R16: APNs payload errors are payload', () =>
    check([
      ['apns', 400, 'BadCollapseId', payload],
      ['apns', 400, 'BadExpirationDate', payload],
      ['apns', 400, 'BadPriority', payload],
      ['apns', 400, 'BadTopic', payload],
      ['apns', 400, 'InvalidPushType', payload],
      ['apns', 400, 'MissingTopic', payload],
      ['apns', 400, 'PayloadEmpty', payload],
      ['apns', 404, 'BadPath', payload],
      ['apns', 405, 'MethodNotAllowed', payload],
      ['apns', 413, 'PayloadTooLarge', payload],
    ]))

  it('R16: APNs transient answers are transient and recognised', () =>
    check([
      ['apns', 400, 'IdleTimeout', transient],
      ['apns', 429, 'TooManyRequests', transient],
      ['apns', 500, 'InternalServerError', transient],
      ['apns', 503, 'ServiceUnavailable', transient],
      ['apns', 503, 'Shutdown', transient],
      ['apns', 0, undefined, transient],
    ]))
})

describe('classifyAnswer: FCM rows of §4 (R15, D12)', () => {
  it('R15: FCM 200 is delivered', () => check([['fcm', 200, undefined, delivered]]))

  it('R16: FCM v1 404 UNREGISTERED is dead', () => check([['fcm', 404, 'UNREGISTERED', dead]]))

  it('R18: FCM 400 INVALID_ARGUMENT whose detail names the token is ambiguous', () =>
    check([
      ['fcm', 400, 'INVALID_ARGUMENT', ambiguous, 'The registration token is not a valid FCM registration token'],
      ['fcm', 400, 'INVALID_ARGUMENT', ambiguous, "Invalid value at 'message.token' (TYPE_STRING)"],
    ]))

  it('R16: FCM 400 INVALID_ARGUMENT about anything else is payload', () =>
    check([
      ['fcm', 400, 'INVALID_ARGUMENT', payload, "Invalid value at 'message.data[0].value' (TYPE_STRING)"],
      ['fcm', 400, 'INVALID_ARGUMENT', payload, 'Request contains an invalid argument.'],
      ['fcm', 400, 'INVALID_ARGUMENT', payload],
    ]))

  it('R18: FCM 403 SENDER_ID_MISMATCH is ambiguous', () => check([['fcm', 403, 'SENDER_ID_MISMATCH', ambiguous]]))

  it('R16: FCM 401 THIRD_PARTY_AUTH_ERROR and OAuth 401/403 are credentials', () =>
    check([
      ['fcm', 401, 'THIRD_PARTY_AUTH_ERROR', credentials],
      ['fcm', 401, 'UNAUTHENTICATED', credentials],
      ['fcm', 403, 'PERMISSION_DENIED', credentials],
    ]))

  it('R16: FCM 429, 500, 503 and network errors are transient', () =>
    check([
      ['fcm', 429, 'QUOTA_EXCEEDED', transient],
      ['fcm', 500, 'INTERNAL', transient],
      ['fcm', 503, 'UNAVAILABLE', transient],
      ['fcm', 0, undefined, transient],
    ]))

  it('D12: FCM legacy NotRegistered and InvalidRegistration are dead, MismatchSenderId ambiguous, even with status 200', () =>
    check([
      ['fcm', 200, 'NotRegistered', dead],
      ['fcm', 200, 'InvalidRegistration', dead],
      ['fcm', 200, 'MismatchSenderId', ambiguous],
      ['fcm', 400, 'InvalidRegistration', dead],
      ['fcm', 404, 'NotRegistered', dead],
    ]))
})

describe('classifyAnswer: Web Push rows of §4 (R15)', () => {
  it('R15: Web Push 200 and 201 are delivered', () =>
    check([
      ['webpush', 200, undefined, delivered],
      ['webpush', 201, undefined, delivered],
    ]))
  it('R16: Web Push 404 and 410 are dead', () =>
    check([
      ['webpush', 404, undefined, dead],
      ['webpush', 410, undefined, dead],
    ]))
  it('R16: Web Push 401 and 403 (VAPID) are credentials', () =>
    check([
      ['webpush', 401, undefined, credentials],
      ['webpush', 403, undefined, credentials],
    ]))
  it('R16: Web Push 400 and 413 are payload', () =>
    check([
      ['webpush', 400, undefined, payload],
      ['webpush', 413, undefined, payload],
    ]))
  it('R16: Web Push 429, 5xx and network errors are transient', () =>
    check([
      ['webpush', 429, undefined, transient],
      ['webpush', 500, undefined, transient],
      ['webpush', 502, undefined, transient],
      ['webpush', 503, undefined, transient],
      ['webpush', 0, undefined, transient],
    ]))
})

describe('classifyAnswer: answers §4 does not list', () => {
  it('R15: unknown answers are transient and not recognised, never dead', () =>
    check([
      ['apns', 418, undefined, unrecognised],
      ['apns', 410, undefined, unrecognised],
      ['apns', 403, 'SomethingNew', unrecognised],
      ['fcm', 404, 'SOMETHING_ELSE', unrecognised],
      // A wrong project id or path gets a 404 too: only UNREGISTERED speaks of the token.
      ['fcm', 404, undefined, unrecognised],
      ['fcm', 404, 'NOT_FOUND', unrecognised],
      ['fcm', 302, undefined, unrecognised],
      ['webpush', 302, undefined, unrecognised],
      ['hms', 404, 'NotRegistered', unrecognised],
      ['hms', 200, undefined, unrecognised],
    ]))
})

const answerAt = (fields: Partial<ProviderAnswer> & Pick<ProviderAnswer, 'provider' | 'status'>): ProviderAnswer =>
  ({ type: 'provider_answer', at: 1_767_600_000_000 as Instant, appId: 'ios', token: 'ab'.repeat(32), ...fields }) as ProviderAnswer

describe('deadEvidenceAt (R17)', () => {
  it('R17: APNs 410 Unregistered is evidence as of its timestamp, not of its arrival', () => {
    expect(deadEvidenceAt(answerAt({ provider: 'apns', status: 410, reason: 'Unregistered', timestamp: 1_767_484_800_000 }))).toBe(1_767_484_800_000)
  })
  it('R17: APNs 410 Unregistered without a timestamp counts as of its own at', () => {
    expect(deadEvidenceAt(answerAt({ provider: 'apns', status: 410, reason: 'Unregistered' }))).toBe(1_767_600_000_000)
  })
  it('R17: every other dead answer counts as of its own at, whatever timestamp it carries', () => {
    expect(deadEvidenceAt(answerAt({ provider: 'apns', status: 410, reason: 'ExpiredToken', timestamp: 1 }))).toBe(1_767_600_000_000)
    expect(deadEvidenceAt(answerAt({ provider: 'fcm', status: 404, reason: 'UNREGISTERED', timestamp: 1 }))).toBe(1_767_600_000_000)
    expect(deadEvidenceAt(answerAt({ provider: 'webpush', status: 410, timestamp: 1 }))).toBe(1_767_600_000_000)
  })
})
