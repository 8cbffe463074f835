/**
 * A loopback Web Push service for tests and benches: issues subscriptions, decrypts every
 * push with the subscription's private key, checks the VAPID JWT, and answers per script.
 * See `startWebPushPeer`.
 */
export { startWebPushPeer } from './start-web-push-peer.js'
export type {
  PeerRequest,
  PeerSubscription,
  ReceivedHeaders,
  ReceivedMessage,
  ScriptedAnswer,
  SubscribeOptions,
  WebPushPeer,
  WebPushPeerOptions,
} from './start-web-push-peer.js'
export { LoopbackAgent } from './loopback-agent.js'
export type { LoopbackTarget } from './loopback-agent.js'
export { DecryptError, decryptAes128gcm } from './decrypt-aes128gcm.js'
export type { ReceiverKeys } from './decrypt-aes128gcm.js'
export { verifyVapid } from './verify-vapid.js'
export type { VapidClaims, VapidCredential, VapidExpectations, VapidFailure } from './verify-vapid.js'
