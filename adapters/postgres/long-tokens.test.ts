import { randomBytes } from 'node:crypto'
import type { Registry, StoragePort } from 'push-registry'
import { collect, createRegistry, fixedClock } from 'push-registry'
import { describe, expect, it } from 'vitest'
import type { TestDatabase } from './test-databases.js'
import { disposeStore, openStore, serverUrl } from './test-databases.js'

// S3 allows token strings and Web Push endpoints of 4,096 characters. Random ones do not
// compress, and a btree entry holding one would exceed the 2,704 bytes a page allows: the
// table indexes digests of token keys, never the keys themselves.

const apps = [
  { appId: 'android', name: 'App (Android)', platform: 'android' },
  { appId: 'web', name: 'App (Web)', platform: 'web' },
] as const

const at = '2026-01-01T08:00:00.000Z'
const random = (length: number): string => randomBytes(length).toString('base64url').slice(0, length)

/** An FCM registration token of `length` random characters. */
const fcmToken = (length: number): string => random(length)

/** A Web Push subscription on an allow-listed host (S1) whose endpoint is `length` characters. */
const subscription = (length: number) => {
  const prefix = 'https://fcm.googleapis.com/fcm/send/'
  return { endpoint: prefix + random(length - prefix.length), keys: { p256dh: 'BPoisonKeyp256dh', auth: 'poisonAuth' } }
}

const android = (deviceId: string, token: string, userId = 'kim') => ({
  type: 'session_started', at, appId: 'android', deviceId, userId, token, permission: 'granted', osVersion: '14',
})
const web = (deviceId: string, token: ReturnType<typeof subscription>, userId = 'kim') => ({
  type: 'session_started', at, appId: 'web', deviceId, userId, token, permission: 'granted',
})

/** `size` short-token Android sessions, with `poison` in place of the one at `index`. */
const batchWith = (size: number, index: number, poison: unknown): unknown[] =>
  Array.from({ length: size }, (_, i) => (i === index ? poison : android(`d${i}`, `fcm-${i}-0123456789abcdef`, `u${i % 5}`)))

const databases: TestDatabase[] = serverUrl === undefined ? ['pglite'] : ['pglite', 'server']

describe.each(databases)('S3 token lengths on PostgreSQL (%s)', (where) => {
  const withRegistry = async (body: (registry: Registry, store: StoragePort) => Promise<void>): Promise<void> => {
    const store = await openStore(where)
    try {
      await body(createRegistry({ apps, storage: store, clock: fixedClock(Date.parse('2026-01-02T00:00:00.000Z')) }), store)
    } finally {
      await disposeStore(store)
    }
  }
  const alertTokens = async (registry: Registry, appId: string) => (await collect(registry.targets({ appId, kind: 'alert' }))).map((t) => t.token)

  it('S3: a 4,096-character random FCM token is stored, and is the device\'s target', async () => {
    await withRegistry(async (registry) => {
      const token = fcmToken(4096)
      expect(await registry.ingest(android('phone-1', token))).toEqual({ accepted: 1, rejected: [], late: 0 })
      expect(await alertTokens(registry, 'android')).toEqual([token])
    })
  })

  it('S3: a 4,096-character random Web Push endpoint is stored, and is the browser\'s target', async () => {
    await withRegistry(async (registry) => {
      const token = subscription(4096)
      expect(token.endpoint).toHaveLength(4096)
      expect(await registry.ingest(web('browser-1', token))).toEqual({ accepted: 1, rejected: [], late: 0 })
      expect(await alertTokens(registry, 'web')).toEqual([token])
    })
  })

  it('R3, I2: a 4,096-character token reported by a second device moves to it; one device holds it active', async () => {
    await withRegistry(async (registry) => {
      const token = fcmToken(4096)
      await registry.ingest(android('phone-1', token))
      const moved = { ...android('phone-2', token, 'léa'), at: '2026-01-01T09:00:00.000Z' }
      expect(await registry.ingest(moved)).toEqual({ accepted: 1, rejected: [], late: 0 })
      const active = (await collect(registry.registrations('android'))).filter((r) => r.active)
      expect(active.map((r) => [r.deviceId, r.token])).toEqual([['phone-2', token]])
    })
  })

  it('S3: 1,000 inputs holding one 4,096-character FCM token are all stored', async () => {
    await withRegistry(async (registry) => {
      const token = fcmToken(4096)
      expect(await registry.ingest(batchWith(1000, 0, android('poison', token)))).toEqual({ accepted: 1000, rejected: [], late: 0 })
      expect(await collect(registry.registrations('android'))).toHaveLength(1000)
      expect(await alertTokens(registry, 'android')).toContain(token)
    })
  })

  it('S3: 3,000 inputs with a 4,096-character FCM token at index 1,500 are all stored', async () => {
    await withRegistry(async (registry) => {
      const token = fcmToken(4096)
      expect(await registry.ingest(batchWith(3000, 1500, android('poison', token)))).toEqual({ accepted: 3000, rejected: [], late: 0 })
      expect(await collect(registry.registrations('android'))).toHaveLength(3000)
    })
  })

  it('S3: 3,000 inputs with a 4,096-character Web Push endpoint at index 1,500 are all stored', async () => {
    await withRegistry(async (registry) => {
      const token = subscription(4096)
      expect(await registry.ingest(batchWith(3000, 1500, web('poison', token)))).toEqual({ accepted: 3000, rejected: [], late: 0 })
      expect(await collect(registry.registrations('android'))).toHaveLength(2999)
      expect(await alertTokens(registry, 'web')).toEqual([token])
    })
  })
})
