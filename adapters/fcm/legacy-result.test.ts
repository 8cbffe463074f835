import { describe, expect, it } from 'vitest'
import { classifyAnswer } from 'push-registry'
import type { AnswerClass } from 'push-registry'
import { fromLegacyResult } from 'push-registry/fcm'
import type { LegacyResult } from 'push-registry/fcm'

const classOf = (result: LegacyResult): AnswerClass => classifyAnswer({ provider: 'fcm', ...fromLegacyResult(result) })

describe('legacy FCM results (§4 "FCM legacy", D12)', () => {
  it.each([
    ['NotRegistered', { class: 'dead' }],
    ['InvalidRegistration', { class: 'dead' }],
    ['MismatchSenderId', { class: 'ambiguous' }],
    ['Unavailable', { class: 'transient', recognised: true }],
    ['InternalServerError', { class: 'transient', recognised: true }],
    ['DeviceMessageRateExceeded', { class: 'transient', recognised: true }],
    ['MessageTooBig', { class: 'payload' }],
    ['InvalidDataKey', { class: 'payload' }],
    ['MissingRegistration', { class: 'payload' }],
    ['InvalidApnsCredential', { class: 'credentials', refresh: false }],
  ] as const)('D12: legacy error %s classifies as %o', (error, expected) => {
    expect(classOf({ error })).toEqual(expected)
  })

  it('§4: a legacy success is delivered', () => {
    expect(fromLegacyResult({ message_id: '0:1234%abcd' })).toEqual({ status: 200 })
    expect(classOf({ message_id: '0:1234%abcd' })).toEqual({ class: 'delivered' })
  })

  it('§4: an unknown legacy error is an unrecognised answer, never delivered and never dead', () => {
    expect(classOf({ error: 'SomethingNew' })).toEqual({ class: 'transient', recognised: false })
  })

  it('S2: a canonical registration_id is not copied into the reply', () => {
    const canonical = 'canonical-token-value-that-is-a-secret'
    expect(JSON.stringify(fromLegacyResult({ message_id: '0:1', registration_id: canonical }))).not.toContain(canonical)
  })
})
