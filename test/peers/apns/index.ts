/**
 * The loopback APNs peer: an HTTP/2 TLS server written from Apple's provider API documentation,
 * for the APNs adapter's tests, its bench, and end-to-end tests that need an APNs to talk to.
 */
export { startApnsPeer } from './start-apns-peer.js'
export type {
  AnsweredRequest,
  ApnsPeer,
  ApnsPeerOptions,
  ApnsPeerStats,
  ApnsScriptedAnswer,
  PeerCredentials,
  ReceivedPush,
} from './start-apns-peer.js'
export { loopbackCertificate } from '../self-signed-certificate.js'
export type { CertificatePair as LoopbackCertificate } from '../self-signed-certificate.js'
export { verifyProviderToken } from './verify-provider-token.js'
export type { PeerSigningKey, TokenVerdict } from './verify-provider-token.js'
