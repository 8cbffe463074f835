import type { Instant } from './brand.js'
import { instant } from './brand.js'
import type { ProviderAnswer } from './input.js'

/**
 * R15: what a provider's answer means for the token it was sent to.
 * - `delivered`: the provider accepted the push.
 * - `dead`: the token is gone; invalidate it (R16), as of the evidence time (R17).
 * - `ambiguous`: maybe the token, maybe the credential; quarantine (R18).
 * - `credentials`: our credential is wrong; stop sending through it, invalidate nothing (R16, I10).
 *   `refresh` marks APNs `ExpiredProviderToken`, which heals by minting a new JWT.
 * - `payload`: the message is wrong, not the token (R16, I10).
 * - `transient`: try later (R16). `recognised: false` is an answer §4 does not list: it is
 *   retried within the budget, then reported, and never taken as evidence.
 */
export type AnswerClass =
  | { readonly class: 'delivered' }
  | { readonly class: 'dead' }
  | { readonly class: 'ambiguous' }
  | { readonly class: 'credentials'; readonly refresh: boolean }
  | { readonly class: 'payload' }
  | { readonly class: 'transient'; readonly recognised: boolean }

/** The fields of an answer the classifier reads. */
export type AnswerShape = Pick<ProviderAnswer, 'provider' | 'status' | 'reason' | 'detail'>

const delivered: AnswerClass = { class: 'delivered' }
const dead: AnswerClass = { class: 'dead' }
const ambiguous: AnswerClass = { class: 'ambiguous' }
const credentials: AnswerClass = { class: 'credentials', refresh: false }
const refreshCredentials: AnswerClass = { class: 'credentials', refresh: true }
const payload: AnswerClass = { class: 'payload' }
const transient: AnswerClass = { class: 'transient', recognised: true }
const unrecognised: AnswerClass = { class: 'transient', recognised: false }

/** §4, R15: classifies one provider answer. Total: every input has a class. */
export const classifyAnswer = (answer: AnswerShape): AnswerClass => {
  switch (answer.provider) {
    case 'apns':
      return classifyApns(answer.status, answer.reason)
    case 'fcm':
      return classifyFcm(answer.status, answer.reason, answer.detail)
    case 'webpush':
      return classifyWebPush(answer.status)
    default:
      return unrecognised
  }
}

const apnsCredentialReasons = new Set([
  'BadCertificate',
  'BadCertificateEnvironment',
  'Forbidden',
  'InvalidProviderToken',
  'MissingProviderToken',
])

const classifyApns = (status: number, reason: string | undefined): AnswerClass => {
  if (status === 0 || status === 500 || status === 503) return transient
  switch (status) {
    case 200:
      return delivered
    case 410:
      return reason === 'Unregistered' || reason === 'ExpiredToken' ? dead : unrecognised
    case 400:
      if (reason === 'BadDeviceToken' || reason === 'DeviceTokenNotForTopic') return ambiguous
      if (reason === 'TopicDisallowed') return credentials
      if (reason === 'IdleTimeout') return transient
      return payload
    case 403:
      if (reason === 'ExpiredProviderToken') return refreshCredentials
      return reason !== undefined && apnsCredentialReasons.has(reason) ? credentials : unrecognised
    case 404:
    case 405:
    case 413:
      return payload
    case 429:
      return reason === 'TooManyProviderTokenUpdates' ? credentials : transient
    default:
      return unrecognised
  }
}

/**
 * D12: the legacy FCM API answered 200 with per-token errors, so these go by reason alone.
 * A Map, not an object: a reason is provider text, and `valueOf` must not find a prototype's.
 */
const fcmLegacy: ReadonlyMap<string, AnswerClass> = new Map<string, AnswerClass>([
  ['NotRegistered', dead],
  ['InvalidRegistration', dead],
  ['MismatchSenderId', ambiguous],
])

/** §4: an `INVALID_ARGUMENT` is about the token when its detail names the token. */
const namesTheToken = /registration token|message\.token/i

const classifyFcm = (
  status: number,
  reason: string | undefined,
  detail: string | undefined,
): AnswerClass => {
  const legacy = reason === undefined ? undefined : fcmLegacy.get(reason)
  if (legacy !== undefined) return legacy
  if (status === 0 || status === 429 || status === 500 || status === 503) return transient
  switch (status) {
    case 200:
      return delivered
    case 404:
      // Only FCM's own verdict on the token is evidence: a bare 404 or `NOT_FOUND` is also
      // what a wrong project id or a misrouted request gets, and must not end every token.
      return reason === 'UNREGISTERED' ? dead : unrecognised
    case 400:
      return namesTheToken.test(`${reason ?? ''} ${detail ?? ''}`) ? ambiguous : payload
    case 401:
      return credentials
    case 403:
      return reason === 'SENDER_ID_MISMATCH' ? ambiguous : credentials
    default:
      return unrecognised
  }
}

const classifyWebPush = (status: number): AnswerClass => {
  if (status === 200 || status === 201 || status === 202) return delivered
  if (status === 404 || status === 410) return dead
  if (status === 401 || status === 403) return credentials
  if (status === 400 || status === 413) return payload
  if (status === 0 || status === 429 || (status >= 500 && status <= 599)) return transient
  return unrecognised
}

/**
 * R17: the time a `dead` answer is evidence as of. APNs `410 Unregistered` carries the time
 * APNs learned the token was no longer valid; every other dead answer counts as of its own `at`.
 */
export const deadEvidenceAt = (answer: ProviderAnswer): Instant =>
  answer.provider === 'apns' && answer.reason === 'Unregistered' && answer.timestamp !== undefined
    ? instant(answer.timestamp)
    : answer.at
