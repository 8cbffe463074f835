/**
 * What the registry is compared with, measured in the same run. The raw transition is the pure
 * domain core without the registry shell (decoding, working sets, storage, events); the floor
 * and the array scans are what the same work costs with no domain rules at all.
 */
import type { AppId, Instant } from '../src/domain/brand.js'
import { decide, needs } from '../src/domain/decide.js'
import type { Input } from '../src/domain/input.js'
import { resolvePolicy } from '../src/domain/policy.js'
import type { RegistryRecord } from '../src/domain/records.js'
import { recordId } from '../src/domain/records.js'
import type { Catalog, World } from '../src/domain/world.js'
import type { App } from '../src/domain/app.js'
import type { RegistrationSpec } from './population.js'

/** The bench's two apps, as the registry and the raw core both see them. */
export const benchApps: readonly App[] = [
  { appId: 'ios' as AppId, name: 'MyApp (iOS)', platform: 'ios' },
  { appId: 'android' as AppId, name: 'MyApp (Android)', platform: 'android' },
]

/** The catalog the registry would build for `benchApps`, with default policies. */
export const benchCatalog = (): Catalog => {
  const apps = new Map(benchApps.map((app) => [app.appId, app]))
  const policies = new Map(benchApps.map((app) => [app.appId, resolvePolicy(app)]))
  return {
    app: (appId) => apps.get(appId),
    policy: (appId) => policies.get(appId) ?? resolvePolicy({ appId, name: appId, platform: 'ios' }),
  }
}

/** A wire input as the codecs would decode it: `at` in ms since the epoch, nothing else changes. */
export const decoded = (wire: Record<string, unknown>): Input => ({ ...wire, at: Date.parse(wire['at'] as string) as Instant }) as unknown as Input

/**
 * The raw Map transition: every input through `needs` and `decide` against a plain Map world
 * keyed by `recordId`, the written records stored back. The world always holds every record,
 * so `needs` is called for its cost only.
 */
export const rawTransition = (inputs: readonly Input[], catalog: Catalog): Map<string, RegistryRecord> => {
  const records = new Map<string, RegistryRecord>()
  const world: World = { get: (key) => records.get(recordId(key)) }
  for (const input of inputs) {
    needs(world, input, catalog)
    for (const record of decide(world, input, catalog)) records.set(recordId(record), record)
  }
  return records
}

/** What the plain-Map baseline stores per device: what a host without the library would keep. */
export interface PlainEntry {
  readonly token: string
  readonly owner: string | null
  readonly capability: 'foreground' | 'provisional' | 'background'
  readonly at: number
}

/**
 * The ingest baseline: no library at all. One plain `Map` of `{ token, owner, capability, at }`
 * per device, updated from the same decoded inputs: a session report replaces the entry unless
 * an older report arrives late (the newest `at` wins), with the capability written inline as a
 * host would (granted → foreground, provisional → provisional, otherwise background).
 */
export const plainMapLoop = (inputs: readonly Input[], into = new Map<string, PlainEntry>()): Map<string, PlainEntry> => {
  for (const input of inputs) {
    if (input.type !== 'session_started') continue
    const key = `${input.appId}\u0000${input.deviceId}`
    const previous = into.get(key)
    if (previous !== undefined && previous.at > input.at) continue
    const capability = input.permission === 'granted' ? 'foreground' : input.permission === 'provisional' ? 'provisional' : 'background'
    into.set(key, { token: input.token as string, owner: input.userId ?? null, capability, at: input.at })
  }
  return into
}

/** What the floor stores per device: the least a registry could know about it. */
export interface FloorEntry {
  readonly token: string
  readonly owner: string | null
  readonly at: number
}

/** The floor: one `map.set` per session, the newest report wins, no rules. */
export const floorLoop = (inputs: readonly Input[], into = new Map<string, FloorEntry>()): Map<string, FloorEntry> => {
  for (const input of inputs) {
    if (input.type !== 'session_started') continue
    into.set(`${input.appId}\u0000${input.deviceId}`, { token: input.token as string, owner: input.userId ?? null, at: input.at })
  }
  return into
}

/** One row of the array the query baselines scan: a registration with everything denormalized. */
export interface FlatRegistration {
  readonly appId: string
  readonly deviceId: string
  readonly owner: string
  readonly token: string
  readonly capability: RegistrationSpec['capability']
  readonly active: boolean
  readonly unsubscribed: boolean
}

export const flatRegistration = (spec: RegistrationSpec): FlatRegistration => ({
  appId: spec.appId,
  deviceId: spec.deviceId,
  owner: spec.userId,
  token: spec.token,
  capability: spec.capability,
  active: true,
  unsubscribed: spec.unsubscribed,
})

/** Baseline of R21: owners of an active foreground or provisional registration of one app. */
export const scanForegroundForApp = (rows: readonly FlatRegistration[], appId: string): string[] => {
  const users = new Set<string>()
  for (const r of rows) if (r.appId === appId && r.active && r.capability !== 'background') users.add(r.owner)
  return [...users]
}

/** Baseline of R23: owners of any active registration who did not unsubscribe. */
export const scanBackgroundOrForeground = (rows: readonly FlatRegistration[]): string[] => {
  const users = new Set<string>()
  for (const r of rows) if (r.active && !r.unsubscribed) users.add(r.owner)
  return [...users]
}

/** Baseline of R27 alert targets: active foreground or provisional tokens of subscribed owners. */
export const scanAlertTargets = (rows: readonly FlatRegistration[], appId: string): { deviceId: string; token: string }[] => {
  const out: { deviceId: string; token: string }[] = []
  for (const r of rows) {
    if (r.appId === appId && r.active && r.capability !== 'background' && !r.unsubscribed) out.push({ deviceId: r.deviceId, token: r.token })
  }
  return out
}
