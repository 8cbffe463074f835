import { redact } from 'push-registry'
import type { ProviderReply } from 'push-registry'
import type { HttpAnswer } from './http-exchange.js'
import { objectAt, parseJsonObject } from './json-object.js'
import { parseRetryAfter } from './retry-after.js'

const fcmErrorType = 'type.googleapis.com/google.firebase.fcm.v1.FcmError'
const apnsErrorType = 'type.googleapis.com/google.firebase.fcm.v1.ApnsError'
const badRequestType = 'type.googleapis.com/google.rpc.BadRequest'

/**
 * The reason given when an error status came without a v1 error body (a proxy's HTML page,
 * a load balancer's 404). It is not one of §4's reasons, so a bare 404 from something that is
 * not FCM is never taken for `UNREGISTERED` and never kills a token.
 */
export const nonFcmReason = 'NON_FCM_RESPONSE'

const records = (value: unknown): readonly Readonly<Record<string, unknown>>[] =>
  Array.isArray(value)
    ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && !Array.isArray(item))
    : []

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

/**
 * Turns a `messages:send` answer into a `ProviderReply` without judging it (the core's
 * `classifyAnswer` does, §4): `reason` is the `FcmError.errorCode` when FCM gave one, else the
 * error's canonical `status`; `detail` is its message plus every field violation, so that the
 * classifier can tell an `INVALID_ARGUMENT` about `message.token` from one about the payload.
 * S2: should FCM ever echo the token, it is redacted in `detail`.
 */
export const readSendAnswer = (answer: HttpAnswer, token: string, now: number): ProviderReply => {
  const retryAfterSeconds = parseRetryAfter(answer.headers['retry-after'], now)
  const retry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds }
  if (answer.status >= 200 && answer.status < 300) return { status: answer.status }
  const error = objectAt(parseJsonObject(answer.body), 'error')
  if (error === undefined) {
    return { status: answer.status, reason: nonFcmReason, detail: `HTTP ${answer.status} without a v1 error body`, ...retry }
  }
  const details = records(error['details'])
  const errorCode = details.map((d) => (d['@type'] === fcmErrorType ? text(d['errorCode']) : undefined)).find((c) => c !== undefined)
  const violations = details
    .filter((d) => d['@type'] === badRequestType)
    .flatMap((d) => records(d['fieldViolations']))
    .map((v) => `${text(v['field']) ?? '?'}: ${text(v['description']) ?? ''}`)
  const apns = details
    .filter((d) => d['@type'] === apnsErrorType)
    .map((d) => `APNs ${typeof d['statusCode'] === 'number' ? d['statusCode'] : '?'} ${text(d['reason']) ?? ''}`.trim())
  const parts = [text(error['message']), ...violations, ...apns].filter((p): p is string => p !== undefined)
  const detail = parts.join('; ')
  return {
    status: answer.status,
    reason: errorCode ?? text(error['status']) ?? nonFcmReason,
    ...(detail === '' ? {} : { detail: scrub(detail, token) }),
    ...retry,
  }
}

const scrub = (detail: string, token: string): string => (token === '' ? detail : detail.split(token).join(redact(token)))
