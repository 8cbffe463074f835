import type { OutgoingPush, ProviderReply } from 'push-registry'

/** APNs's limit for alert and background pushes (VoIP allows more; this adapter sends neither). */
export const maxPayloadBytes = 4096
/** APNs's limit on `apns-collapse-id`. */
export const maxCollapseIdBytes = 64

/**
 * Reasons of replies the adapter makes itself, without a request. Where APNs has a reason for
 * the same fault (`BadDeviceToken`, `BadCollapseId`, `PayloadTooLarge`, `MissingTopic`) the
 * adapter uses it, so that the reply classifies exactly as APNs's own answer would (§4).
 */
export const localReasons = {
  notAnApnsToken: 'NotAnApnsToken',
  badDeviceToken: 'BadDeviceToken',
  badCollapseId: 'BadCollapseId',
  payloadTooLarge: 'PayloadTooLarge',
  payloadNotAnObject: 'PayloadNotAnObject',
  payloadNotEncodable: 'PayloadNotEncodable',
  missingTopic: 'MissingTopic',
  badTopic: 'BadTopic',
} as const

/** One push, ready for the wire except for its `authorization` header. */
export interface ApnsRequest {
  readonly token: string
  /** This push's own headers: the channel sets `authorization` on them for each attempt. */
  readonly headers: Record<string, string>
  readonly body: Buffer
}

/** A request to send, or the reply a send would have got, made locally. */
export type Prepared = { readonly request: ApnsRequest } | { readonly refused: ProviderReply }

const hexToken = /^[0-9a-fA-F]+$/
/** RFC 9110 §5.5: a header value holds no control character but tab (NUL, CR, LF…). */
const headerControl = /[\x00-\x08\x0a-\x1f\x7f]/

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const refuse = (status: 400 | 413, reason: string, why: string): Prepared => ({ refused: { status, reason, detail: `refused locally: ${why}` } })

/**
 * `aps` of a background push: `content-available: 1` (without it iOS does not wake the app)
 * and none of `alert`, `badge`, `sound`. Apple documents a background notification as one whose
 * `aps` holds none of those: kept, they would show, sound or badge on a device whose user turned
 * notifications off (a `background` token, R27), and APNs may not treat the push as background.
 * The rest of `aps` and the custom keys stay.
 */
const backgroundAps = (aps: Record<string, unknown>): Record<string, unknown> => {
  const { alert: _alert, badge: _badge, sound: _sound, ...rest } = aps
  return { ...rest, 'content-available': 1 }
}

/**
 * The JSON body: the payload, with a silent `aps` for a background push (`backgroundAps`), and
 * the send's `dispatchId` as a top-level key unless the payload has one (the SDK reports it
 * back in `delivery_reported`, D6).
 */
const bodyOf = (push: OutgoingPush, payload: Record<string, unknown>): Record<string, unknown> => {
  const aps = isObject(payload['aps']) ? payload['aps'] : {}
  const withAps = push.kind === 'background' ? { ...payload, aps: backgroundAps(aps) } : payload
  return push.dispatchId === undefined || 'dispatchId' in payload ? withAps : { ...withAps, dispatchId: push.dispatchId }
}

/**
 * Builds the request of one push: `:path /3/device/<token>`, `apns-topic`, `apns-push-type`
 * (`alert` / `background`), `apns-priority` (10 for alerts, always 5 for background, as APNs
 * requires), `apns-expiration` (seconds since the epoch, only when the push has `expiresAt`:
 * without it APNs keeps the push and retries delivery for a while), `apns-collapse-id`.
 * Faults APNs would answer with a 400 or 413 are answered here without a network trip.
 */
export const preparePush = (push: OutgoingPush, topic: string): Prepared => {
  const token = push.token
  if (typeof token !== 'string') return refuse(400, localReasons.notAnApnsToken, 'an APNs token is a hex string')
  // The token becomes part of the path: only hex may go there.
  if (token.length === 0 || token.length % 2 !== 0 || !hexToken.test(token)) {
    return refuse(400, localReasons.badDeviceToken, 'not an even-length hex string')
  }
  if (topic === '') return refuse(400, localReasons.missingTopic, 'no topic for this push')
  if (headerControl.test(topic)) return refuse(400, localReasons.badTopic, 'apns-topic holds a control character, which no header may carry')
  // Hosts in plain JavaScript can hand over anything: a collapse id that is no string is the
  // message's fault, answered like APNs would, never a throw out of `send`.
  if (
    push.collapseId !== undefined &&
    (typeof push.collapseId !== 'string' || Buffer.byteLength(push.collapseId) > maxCollapseIdBytes || headerControl.test(push.collapseId))
  ) {
    return refuse(400, localReasons.badCollapseId, `apns-collapse-id is a string of at most ${maxCollapseIdBytes} bytes without control characters`)
  }
  if (!isObject(push.payload)) return refuse(400, localReasons.payloadNotAnObject, 'the payload must be a JSON object with aps')
  let json: string
  try {
    json = JSON.stringify(bodyOf(push, push.payload))
  } catch {
    return refuse(400, localReasons.payloadNotEncodable, 'the payload is not JSON-encodable')
  }
  const body = Buffer.from(json)
  if (body.length > maxPayloadBytes) {
    return refuse(413, localReasons.payloadTooLarge, `${body.length} bytes, at most ${maxPayloadBytes}`)
  }
  const headers: Record<string, string> = {
    ':method': 'POST',
    ':path': `/3/device/${token}`,
    'apns-topic': topic,
    'apns-push-type': push.kind,
    'apns-priority': push.kind === 'background' ? '5' : '10',
    'content-type': 'application/json',
  }
  if (push.expiresAt !== undefined) headers['apns-expiration'] = String(Math.max(0, Math.floor(push.expiresAt / 1000)))
  if (push.collapseId !== undefined) headers['apns-collapse-id'] = push.collapseId
  return { request: { token, headers, body } }
}
