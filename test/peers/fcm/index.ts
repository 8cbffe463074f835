/**
 * A loopback FCM HTTP v1 peer (token endpoint + `messages:send`) for adapter and end-to-end
 * tests. See `startFcmPeer`.
 */
export { startFcmPeer } from './start-fcm-peer.js'
export type { FcmPeer, FcmPeerOptions, FcmPeerStats, PeerServiceAccount, ReceivedMessage, TokenEndpointAnswer } from './start-fcm-peer.js'
export type { FcmPeerAnswer, FcmPeerAnswerKind } from './v1-answers.js'
