import { collect } from 'push-registry'
import type { Registry, StoragePort } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import type { HttpHandler } from 'push-registry/http'
import { createHttpHandler } from 'push-registry/http'
import { contractChecked } from './contract.js'

export const apps = [
  { appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' },
  { appId: 'android', name: 'MyApp (Android)', platform: 'android' },
] as const

/** A key for the iOS app only, one for Android only, one for both. */
export const iosKey = 'key-ios-0123456789abcdef'
export const androidKey = 'key-android-0123456789abcdef'
export const bothKey = 'key-both-0123456789abcdef'
export const keys = { [iosKey]: ['ios'], [androidKey]: ['android'], [bothKey]: ['ios', 'android'] }

export const now = Date.parse('2026-03-01T00:00:00.000Z')
export const h = (n: number): string => new Date(Date.parse('2026-01-01T00:00:00.000Z') + n * 3_600_000).toISOString()
export const apnsToken = (seed: string): string => seed.repeat(64).slice(0, 64)
export const fcmToken = (seed: string): string => `fcm-${seed}-0123456789abcdefghij-${seed}`

export const session = (appId: string, deviceId: string, userId: string, token: string) => ({
  type: 'session_started',
  at: h(1),
  appId,
  deviceId,
  userId,
  token,
  permission: 'granted',
  ...(appId === 'ios' ? { apnsEnvironment: 'production' } : { osVersion: '14' }),
})

export interface Setup {
  readonly registry: Registry
  readonly handler: HttpHandler
  readonly lines: string[]
}

export const setup = (options: { storage?: StoragePort; limits?: { maxBodyBytes?: number; maxBatchSize?: number } } = {}): Setup => {
  const clock = fixedClock(now)
  const registry = createRegistry({ apps, storage: options.storage ?? createMemoryStorage(), clock })
  const lines: string[] = []
  const created = createHttpHandler({ registry, keys, clock, log: (line) => lines.push(line), ...(options.limits ? { limits: options.limits } : {}) })
  // Every answer the route and fuzz tests get is checked against the OpenAPI document.
  const handler: HttpHandler = { ...created, fetch: contractChecked(created.fetch) }
  return { registry, handler, lines }
}

export interface Call {
  readonly key?: string | null
  readonly body?: unknown
  readonly raw?: string
  readonly contentType?: string | null
}

/** Builds a request to the handler: JSON body, bearer key, on a fake origin. */
export const request = (method: string, path: string, call: Call = {}): Request => {
  const headers = new Headers()
  if (call.key !== null) headers.set('authorization', `Bearer ${call.key ?? bothKey}`)
  const hasBody = call.raw !== undefined || call.body !== undefined
  if (hasBody && call.contentType !== null) headers.set('content-type', call.contentType ?? 'application/json')
  return new Request(`http://registry.test${path}`, {
    method,
    headers,
    body: hasBody ? (call.raw ?? JSON.stringify(call.body)) : null,
  })
}

/** Calls the handler and reads the JSON answer. */
export const call = async (handler: HttpHandler, method: string, path: string, options: Call = {}): Promise<{ status: number; body: unknown; headers: Headers }> => {
  const response = await handler.fetch(request(method, path, options))
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === '' ? null : (JSON.parse(text) as unknown) }
}

/** Everything the HTTP surface can change, for before/after comparisons. */
export const snapshot = async (registry: Registry, userIds: readonly string[]) => ({
  registrations: await collect(registry.registrations()),
  users: await registry.exportUsers(userIds),
  profiles: await Promise.all(userIds.map((id) => registry.profile(id))),
})
