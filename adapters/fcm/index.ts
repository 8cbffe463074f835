/**
 * `push-registry/fcm`: the Firebase Cloud Messaging HTTP v1 provider adapter.
 *
 * @module push-registry/fcm
 */

export { createFcmProvider } from './create-fcm-provider.js'
export type { FcmProviderOptions } from './create-fcm-provider.js'
export type { ServiceAccount } from './service-account.js'
export { FcmConfigError } from './errors.js'
export { fromLegacyResult } from './legacy-result.js'
export type { LegacyResult } from './legacy-result.js'
export { nonFcmReason } from './read-send-answer.js'
export { fcmScope } from './jwt-assertion.js'
