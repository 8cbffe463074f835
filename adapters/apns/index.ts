/**
 * `push-registry/apns`: the Apple Push Notification service provider adapter (HTTP/2,
 * token-based authentication). See `createApnsProvider` and this folder's README.
 *
 * @module push-registry/apns
 */
export { createApnsProvider, defaultEndpoints } from './create-apns-provider.js'
export type { ApnsProviderOptions } from './create-apns-provider.js'
export { ApnsConfigError } from './errors.js'
export { refusedUnprocessedReason } from './environment-channel.js'
export { localReasons, maxCollapseIdBytes, maxPayloadBytes } from './push-request.js'
export { defaultRefreshMs, minRefreshMs, providerTokenLifetimeMs } from './provider-token.js'
export type { SigningKey } from './provider-token.js'
