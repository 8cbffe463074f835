import type { OutgoingPush, ProviderReply } from 'push-registry'

type Fields = Record<string, unknown>

/** The `messages:send` body, or the reply to report without sending (a push FCM cannot carry). */
export type BuiltMessage =
  | { readonly ok: true; readonly body: { readonly message: Fields } }
  | { readonly ok: false; readonly reply: ProviderReply }

const isFields = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value)

const copy = (value: unknown): Fields => (isFields(value) ? { ...value } : {})

/** RFC 8030 §5.4: a Topic is at most 32 characters of the URL-safe base64 alphabet. */
const webPushTopic = /^[A-Za-z0-9_-]{1,32}$/

/** Keys that would name another target than the push's token; the token is the only target. */
const targetKeys = ['token', 'topic', 'condition'] as const

// A push FCM cannot carry is the message's fault, not the token's: reported as a 400 whose
// detail does not name the token, it is a `payload` answer (§4) and invalidates nothing (I10).
const refuse = (detail: string): BuiltMessage => ({
  ok: false,
  reply: { status: 400, reason: 'INVALID_ARGUMENT', detail: `push-registry/fcm: ${detail}` },
})

/**
 * Builds the FCM HTTP v1 message for one push. `payload` holds v1 message fields
 * (`notification`, `data`, `android`, `apns`, `webpush`, `fcm_options`); the adapter adds:
 * - `alert`: `android.priority: 'high'`, `apns-push-type: alert`, `apns-priority: 10`;
 * - `background` (R27): a data-only message — `notification`, `android.notification`,
 *   `webpush.notification` and `aps.alert/sound/badge` are dropped — with
 *   `android.priority: 'normal'`, `apns-push-type: background`, `apns-priority: 5` and
 *   `aps.content-available: 1` (the two APNs headers are forced: APNs refuses a background
 *   push at priority 10);
 * - `collapseId` → `android.collapse_key`, `apns-collapse-id`, Web Push `Topic` (when it is a
 *   valid Topic);
 * - `expiresAt` → `android.ttl` (`"Ns"`), `apns-expiration` (s since the epoch), Web Push `TTL`;
 * - `dispatchId` → `data.dispatchId`, so the SDK can report `delivery_reported` for this dispatch.
 * A value the payload sets explicitly wins over these defaults, except the forced ones.
 */
export const buildMessage = (push: OutgoingPush, now: number): BuiltMessage => {
  if (typeof push.token !== 'string') return refuse('a Web Push subscription cannot be sent through FCM')
  const payload = push.payload ?? {}
  if (!isFields(payload)) return refuse('payload must be an object of FCM v1 message fields')

  const message: Fields = { ...payload }
  for (const key of targetKeys) delete message[key]
  const android = copy(message['android'])
  const apns = copy(message['apns'])
  const apnsHeaders = copy(apns['headers'])
  const webpush = copy(message['webpush'])
  const webpushHeaders = copy(webpush['headers'])

  if (push.kind === 'background') {
    delete message['notification']
    delete android['notification']
    delete webpush['notification']
    android['priority'] ??= 'normal'
    apnsHeaders['apns-push-type'] = 'background'
    apnsHeaders['apns-priority'] = '5'
    const apnsPayload = copy(apns['payload'])
    const aps = copy(apnsPayload['aps'])
    delete aps['alert']
    delete aps['sound']
    delete aps['badge']
    aps['content-available'] = 1
    apnsPayload['aps'] = aps
    apns['payload'] = apnsPayload
  } else {
    android['priority'] ??= 'high'
    apnsHeaders['apns-push-type'] ??= 'alert'
    apnsHeaders['apns-priority'] ??= '10'
  }

  if (push.collapseId !== undefined) {
    android['collapse_key'] ??= push.collapseId
    apnsHeaders['apns-collapse-id'] ??= push.collapseId
    if (webPushTopic.test(push.collapseId)) webpushHeaders['Topic'] ??= push.collapseId
  }
  if (push.expiresAt !== undefined) {
    const ttlSeconds = Math.max(0, Math.ceil((push.expiresAt - now) / 1000))
    android['ttl'] ??= `${ttlSeconds}s`
    apnsHeaders['apns-expiration'] ??= String(Math.max(0, Math.floor(push.expiresAt / 1000)))
    webpushHeaders['TTL'] ??= String(ttlSeconds)
  }

  if (push.dispatchId !== undefined) {
    const data = copy(message['data'])
    data['dispatchId'] ??= push.dispatchId
    message['data'] = data
  }

  apns['headers'] = apnsHeaders
  message['android'] = android
  message['apns'] = apns
  if (Object.keys(webpushHeaders).length > 0) webpush['headers'] = webpushHeaders
  if (Object.keys(webpush).length > 0) message['webpush'] = webpush
  message['token'] = push.token
  return { ok: true, body: { message } }
}
