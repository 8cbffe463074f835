/**
 * The `messages:send` answers the peer can give, with the bodies FCM HTTP v1 uses: a
 * `google.rpc.Status` under `error`, whose `details` carry an `FcmError` (`errorCode`) and, for
 * bad arguments, a `BadRequest` with field violations. Written from FCM's documented error
 * codes; the exact `message` texts are close to, not guaranteed identical with, Google's.
 */
export type FcmPeerAnswerKind =
  | 'ok'
  | 'unregistered'
  | 'invalid-token'
  | 'invalid-payload'
  | 'sender-id-mismatch'
  | 'third-party-auth'
  | 'unauthenticated'
  | 'quota-exceeded'
  | 'internal'
  | 'unavailable'
  /** A 404 with an HTML page, as a misrouted request gets from a front end, not from FCM's API. */
  | 'not-fcm-404'
  /** The connection is destroyed without an answer (a network failure for the client). */
  | 'drop'

/** A scripted answer: its kind, and for 429/5xx an optional `Retry-After`. */
export type FcmPeerAnswer = FcmPeerAnswerKind | { readonly kind: FcmPeerAnswerKind; readonly retryAfterSeconds?: number }

/** What to write back. */
export interface PeerResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

const fcmError = (errorCode: string): Record<string, unknown> => ({
  '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
  errorCode,
})

const badRequest = (field: string, description: string): Record<string, unknown> => ({
  '@type': 'type.googleapis.com/google.rpc.BadRequest',
  fieldViolations: [{ field, description }],
})

const json = { 'content-type': 'application/json; charset=UTF-8' }

/** A v1 error answer: `{ error: { code, message, status, details } }`. */
export const v1Error = (
  code: number,
  status: string,
  message: string,
  details: readonly Record<string, unknown>[] = [],
  headers: Readonly<Record<string, string>> = {},
): PeerResponse => ({
  status: code,
  headers: { ...json, ...headers },
  body: JSON.stringify({ error: { code, message, status, ...(details.length === 0 ? {} : { details }) } }),
})

/** The 401 every call with a missing, unknown, expired or revoked access token gets. */
export const unauthenticated = (): PeerResponse =>
  v1Error(
    401,
    'UNAUTHENTICATED',
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  )

/** A bad argument that is about the message, not the token: no field violation on `message.token`. */
export const invalidPayload = (field: string, description: string): PeerResponse =>
  v1Error(400, 'INVALID_ARGUMENT', description, [badRequest(field, description)])

/** The answer for a kind (`drop` has none: the caller destroys the socket); `messageName` names a delivered message. */
export const answerFor = (kind: Exclude<FcmPeerAnswerKind, 'drop'>, messageName: string, retryAfterSeconds?: number): PeerResponse => {
  const retry: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }
  switch (kind) {
    case 'ok':
      return {
        status: 200,
        headers: json,
        body: JSON.stringify({ name: messageName }),
      }
    case 'unregistered':
      return v1Error(404, 'NOT_FOUND', 'Requested entity was not found.', [fcmError('UNREGISTERED')])
    case 'invalid-token':
      return v1Error(400, 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token', [
        fcmError('INVALID_ARGUMENT'),
        badRequest('message.token', 'The registration token is not a valid FCM registration token'),
      ])
    case 'invalid-payload':
      return v1Error(400, 'INVALID_ARGUMENT', "Invalid value at 'message.android.notification.color' (TYPE_STRING), must be #rrggbb", [
        fcmError('INVALID_ARGUMENT'),
        badRequest('message.android.notification.color', 'Invalid color format; must be #rrggbb'),
      ])
    case 'sender-id-mismatch':
      return v1Error(403, 'PERMISSION_DENIED', 'SenderId mismatch', [fcmError('SENDER_ID_MISMATCH')])
    case 'third-party-auth':
      return v1Error(401, 'UNAUTHENTICATED', 'Auth error from APNS or Web Push Service', [
        fcmError('THIRD_PARTY_AUTH_ERROR'),
        { '@type': 'type.googleapis.com/google.firebase.fcm.v1.ApnsError', statusCode: 403, reason: 'InvalidProviderToken' },
      ])
    case 'unauthenticated':
      return unauthenticated()
    case 'quota-exceeded':
      return v1Error(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded for sending messages to this device.', [fcmError('QUOTA_EXCEEDED')], retry)
    case 'internal':
      return v1Error(500, 'INTERNAL', 'Internal error encountered.', [fcmError('INTERNAL')], retry)
    case 'unavailable':
      return v1Error(503, 'UNAVAILABLE', 'The service is currently unavailable.', [fcmError('UNAVAILABLE')], retry)
    case 'not-fcm-404':
      return { status: 404, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: '<!DOCTYPE html><title>Error 404 (Not Found)</title>' }
  }
}
