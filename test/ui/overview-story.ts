import type { Registry } from 'push-registry'
import { createDispatcher, createRegistry } from 'push-registry'
import type { HttpHandler } from 'push-registry/http'
import { createHttpHandler } from 'push-registry/http'
import { createMemoryStorage } from 'push-registry/memory'
import { expect } from 'vitest'
import { scriptedPort } from '../registry/dispatch/scripted-port.js'
import { movableClock, uiOptions } from './support.js'

/**
 * A registry a few months into production, for the token-health overview: iOS and Android
 * devices in every status, invalidations and quarantines spread over the last weeks (each
 * committed on its own day, as the daily counters count them), and two sends of the
 * dispatcher with delivery reports. Deterministic: every figure of the page can be asserted.
 */
export const overviewNow = Date.parse('2026-03-01T12:00:00Z')
const day = 86_400_000
const iso = (at: number): string => new Date(at).toISOString()

/** An APNs-shaped token of device `i`. */
export const iosToken = (i: number): string => i.toString(16).padStart(8, '0').repeat(8)
export const androidToken = (i: number): string => `fcm-${i}:APA91b${'q'.repeat(60)}${i}`

/** A hostile app name and dispatch id: the page must show them as text. */
export const hostileAppName = 'Shop <script>alert(1)</script> & "Co"'
export const hostileDispatchId = '<img src=x onerror=alert(1)>'

export interface OverviewSetup {
  readonly registry: Registry
  readonly handler: HttpHandler
  /** Every token the story used: none may appear whole on the page (S2). */
  readonly tokens: readonly string[]
  /** Every user id of the story: the overview names no user (S2). */
  readonly users: readonly string[]
}

export const overviewSetup = async (): Promise<OverviewSetup> => {
  const clock = movableClock(overviewNow - 29 * day)
  const apps = [
    { appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' },
    { appId: 'android', name: hostileAppName, platform: 'android' },
  ] as const
  const registry = createRegistry({ apps, storage: createMemoryStorage(), clock })
  const tokens: string[] = []
  const users: string[] = []
  const at = (offsetDays: number): string => iso(overviewNow - offsetDays * day)
  const ingest = async (inputs: readonly object[]): Promise<void> => {
    const report = await registry.ingest(inputs)
    expect(report.rejected).toEqual([])
  }

  // 60 iOS devices: 44 granted, 8 provisional, 8 denied (background); 12 of them last seen 45 days ago (stale), the others 29 days ago.
  const ios: object[] = []
  for (let i = 0; i < 60; i++) {
    const permission = i % 15 === 7 || i % 15 === 11 ? 'provisional' : i % 15 === 3 || i % 15 === 13 ? 'denied' : 'granted'
    const user = `customer-${i}`
    users.push(user)
    tokens.push(iosToken(i))
    ios.push({ type: 'session_started', at: at(i % 5 === 0 ? 45 : 29), appId: 'ios', deviceId: `iphone-${i}`, userId: user, token: iosToken(i), permission, apnsEnvironment: 'production' })
  }
  // 30 Android devices: 10 last seen 300 days ago (expired: FCM's 270 days), 4 never reported a token.
  const android: object[] = []
  for (let i = 0; i < 30; i++) {
    tokens.push(androidToken(i))
    android.push({ type: 'session_started', at: at(i < 10 ? 300 : 29), appId: 'android', deviceId: `pixel-${i}`, token: androidToken(i), permission: i % 4 === 0 ? 'denied' : 'granted' })
  }
  for (let i = 0; i < 4; i++) android.push({ type: 'session_started', at: at(29), appId: 'android', deviceId: `tablet-${i}`, permission: 'granted' })
  await ingest([...ios, ...android])

  // Over the last four weeks, each day's invalidations committed that day.
  for (let back = 28; back >= 1; back--) {
    clock.advance(overviewNow - back * day - clock.now())
    const inputs: object[] = []
    const device = 59 - back
    if (back % 3 === 0) inputs.push({ type: 'provider_answer', at: at(back), appId: 'ios', token: iosToken(device), provider: 'apns', status: 410, reason: 'Unregistered' })
    if (back % 4 === 1) inputs.push({ type: 'uninstalled', at: at(back), appId: 'ios', deviceId: `iphone-${device - 1}` })
    if (back === 9) inputs.push({ type: 'provider_answer', at: at(back), appId: 'ios', token: iosToken(2), provider: 'apns', status: 400, reason: 'BadDeviceToken' })
    if (back === 5) inputs.push({ type: 'provider_answer', at: at(back), appId: 'android', token: androidToken(12), provider: 'fcm', status: 404, reason: 'UNREGISTERED' })
    if (inputs.length > 0) await ingest(inputs)
  }
  clock.advance(overviewNow - 2 * 3_600_000 - clock.now())

  // Two sends through the dispatcher: one answered 200 / 410 / ambiguous, then delivery reports.
  const port = scriptedPort('apns', (push) => {
    const i = Number.parseInt(String(push.token).slice(0, 8), 16)
    return i % 10 === 4 ? { status: 410, reason: 'Unregistered' } : i === 6 ? { status: 400, reason: 'BadDeviceToken' } : { status: 200 }
  })
  const dispatcher = createDispatcher({ registry, providers: { ios: port }, clock, sleep: async () => undefined, random: () => 0.5 })
  await dispatcher.send({ appId: 'ios', kind: 'background', dispatchId: hostileDispatchId, audience: { segment: 'backgroundOrForegroundPushEnabled' }, payload: {} })
  clock.advance(3_600_000)
  await dispatcher.send({ appId: 'ios', kind: 'alert', dispatchId: 'spring-sale-2026', audience: { segment: 'foregroundPushEnabled' }, payload: { aps: { alert: 'Spring sale' } } })
  const deliveries: object[] = []
  for (let i = 0; i < 60; i += 2) deliveries.push({ type: 'delivery_reported', at: iso(clock.now()), appId: 'ios', deviceId: `iphone-${i}`, dispatchId: 'spring-sale-2026', event: 'received' })
  for (let i = 0; i < 60; i += 6) deliveries.push({ type: 'delivery_reported', at: iso(clock.now()), appId: 'ios', deviceId: `iphone-${i}`, dispatchId: 'spring-sale-2026', event: 'opened' })
  await ingest(deliveries)
  clock.advance(overviewNow - clock.now())

  const handler = createHttpHandler({ registry, keys: { 'api-key-0123456789': ['ios', 'android'] }, clock, ui: uiOptions })
  return { registry, handler, tokens, users }
}
