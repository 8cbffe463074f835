import type { RegistryRecord } from 'push-registry'
import { recordsAfterEach } from './sample-records.js'

/**
 * `length` characters that look random and do not compress (a storage that compresses keys
 * would otherwise hide a limit), from a fixed seed so that a failure replays. A xorshift
 * generator over the alphabet of FCM tokens and base64url.
 */
export const incompressible = (length: number, seed: number): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let state = seed | 0 || 1
  let out = ''
  for (let i = 0; i < length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    out += alphabet[(state >>> 0) % alphabet.length]
  }
  return out
}

/** S3's defaults: the longest token string or Web Push endpoint, and the longest id. */
const maxToken = 4096
const maxId = 256

const endpointPrefix = 'https://fcm.googleapis.com/fcm/send/'
const device = incompressible(maxId, 3)
const user = incompressible(maxId, 5)
const fcm = incompressible(maxToken, 7)
const endpoint = endpointPrefix + incompressible(maxToken - endpointPrefix.length, 11)

/** Sessions whose tokens, endpoints and ids are as long as S3 allows by default. */
const longest: readonly unknown[] = [
  { type: 'session_started', at: '2026-01-01T08:00:00.000Z', appId: 'android', deviceId: device, userId: user, token: fcm, permission: 'granted', osVersion: '14' },
  { type: 'session_started', at: '2026-01-01T08:00:00.000Z', appId: 'web', deviceId: device, userId: user, token: { endpoint, keys: { p256dh: 'BKitLongp256dh', auth: 'kitLongAuth' } }, permission: 'granted' },
]

/** R3: the same token and endpoint reported by another device, which takes them. */
const moved: readonly unknown[] = [
  { type: 'session_started', at: '2026-01-01T09:00:00.000Z', appId: 'android', deviceId: 'phone-1', userId: 'kim', token: fcm, permission: 'granted', osVersion: '14' },
  { type: 'session_started', at: '2026-01-01T09:00:00.000Z', appId: 'web', deviceId: 'phone-1', userId: 'kim', token: { endpoint, keys: { p256dh: 'BKitLongp256dh', auth: 'kitLongAuth' } }, permission: 'granted' },
]

/** Records a real registry writes for inputs at S3's limits: first, and after the tokens moved. */
export const limitRecords = async (): Promise<{ readonly first: readonly RegistryRecord[]; readonly moved: readonly RegistryRecord[] }> => {
  const [first, after] = await recordsAfterEach([longest, moved])
  return { first: first ?? [], moved: after ?? [] }
}
