/**
 * `push-registry/webpush`: the Web Push provider adapter (RFC 8030, 8291 `aes128gcm`, 8292
 * VAPID). See `createWebPushProvider` and this folder's README.
 *
 * @module push-registry/webpush
 */
export { createWebPushProvider, localReasons } from './create-web-push-provider.js'
export type { WebPushProviderOptions } from './create-web-push-provider.js'
export { WebPushConfigError } from './errors.js'
export { maxVapidLifetimeSeconds } from './vapid.js'
export type { VapidDetails } from './vapid.js'
export { defaultTtlSeconds, defaultUrgency, topicOf } from './push-headers.js'
export type { Urgency, UrgencyByKind } from './push-headers.js'
export { maxPlaintextBytes } from './payload-bytes.js'
