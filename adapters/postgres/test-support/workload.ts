/**
 * Deterministic input sequences for the fault tests. The parent test and its child processes
 * build the same lists from the same seed, so nothing but a few numbers crosses a process
 * boundary, and the pure model (a registry on memory storage) can be fed exactly what the
 * children ingested.
 */
import type { AppConfig } from 'push-registry'

/** The apps of both workloads: one per mobile platform, so APNs and FCM answers take part. */
export const workloadApps: readonly AppConfig[] = [
  { appId: 'ios', name: 'Fault (iOS)', platform: 'ios' },
  { appId: 'android', name: 'Fault (Android)', platform: 'android' },
]

/** Where input times start. */
const epoch = Date.parse('2026-01-01T00:00:00.000Z')

/** The time every query of the fault tests is answered at: after every input, before FCM expiry (R19). */
export const workloadNow: number = epoch + 40 * 24 * 3600 * 1000

/** A small seeded PRNG (mulberry32): the same sequence in every process. */
const prng = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pick = <A>(random: () => number, items: readonly A[]): A => items[Math.floor(random() * items.length)] as A
const below = (random: () => number, n: number): number => Math.floor(random() * n)
const iso = (ms: number): string => new Date(ms).toISOString()

const hex = (n: number, salt: number): string => {
  let out = ''
  for (let w = 0; w < 8; w++) out += ((Math.imul(n * 8 + w + salt, 0x9e3779b1) ^ (n * 2654435761)) >>> 0).toString(16).padStart(8, '0')
  return out
}

/** Token `n` of an app: 64 hex characters for APNs (D13), an FCM-shaped string for Android. */
const tokenOf = (appId: string, n: number): string => (appId === 'ios' ? hex(n, 1) : `fcm-${n.toString(36)}:APA91b${hex(n, 7)}`)

/**
 * The kill test's sequence: `count` inputs over many devices of both apps, mixing sessions
 * (with new and moved tokens, R2/R3), mid-session rotations, `user_changed` (R7), logouts,
 * prompt answers, uninstalls, provider answers that kill, keep or question tokens (§4, R15–R17),
 * subscription changes and contact attributes. Times mostly grow, with some inputs late (R20).
 */
export const killWorkload = (count: number, seed = 4242): Record<string, unknown>[] => {
  const random = prng(seed)
  const devicesPerApp = Math.max(4, Math.floor(count / 10))
  const users = Math.max(3, Math.floor(count / 14))
  let nextToken = 0
  /** The token each device last reported, by `appId:deviceIndex`. */
  const current = new Map<string, string>()
  const issued: Record<string, string[]> = { ios: [], android: [] }
  const newToken = (appId: string): string => {
    const token = tokenOf(appId, nextToken++)
    issued[appId]?.push(token)
    return token
  }
  const inputs: Record<string, unknown>[] = []
  for (let i = 0; i < count; i++) {
    // Mostly increasing, one in eight up to an hour late.
    const at = epoch + i * 60_000 - (random() < 0.125 ? below(random, 3_600_000) : 0)
    const appId = random() < 0.6 ? 'ios' : 'android'
    const device = below(random, devicesPerApp)
    const deviceId = `dev-${device}`
    const userId = `user-${below(random, users)}`
    const slot = `${appId}:${device}`
    const roll = random()
    const env = appId === 'ios' ? { apnsEnvironment: 'production' } : {}
    if (roll < 0.4) {
      // A session: keeps its token, rotates it, or takes one from another device (R3).
      const sub = random()
      const token =
        sub < 0.6 && current.has(slot) ? (current.get(slot) as string) : sub < 0.9 || (issued[appId]?.length ?? 0) === 0 ? newToken(appId) : pick(random, issued[appId] ?? [])
      current.set(slot, token)
      const permission = pick(random, ['granted', 'granted', 'granted', 'denied', 'provisional', 'not_determined'] as const)
      inputs.push({ type: 'session_started', at: iso(at), appId, deviceId, ...(random() < 0.9 ? { userId } : {}), token, permission, osVersion: appId === 'ios' ? '17.5' : pick(random, ['12', '14']), ...env })
    } else if (roll < 0.52) {
      const token = newToken(appId)
      current.set(slot, token)
      inputs.push({ type: 'token_reported', at: iso(at), appId, deviceId, token, permission: 'granted', ...env })
    } else if (roll < 0.67) {
      inputs.push({ type: 'user_changed', at: iso(at), appId, deviceId, userId })
    } else if (roll < 0.7) {
      inputs.push({ type: 'logged_out', at: iso(at), appId, deviceId, userId })
    } else if (roll < 0.73) {
      inputs.push({ type: 'prompt_answered', at: iso(at), appId, deviceId, result: pick(random, ['granted', 'denied', 'provisional'] as const) })
    } else if (roll < 0.76) {
      inputs.push({ type: 'uninstalled', at: iso(at), appId, deviceId })
    } else if (roll < 0.9 && (issued[appId]?.length ?? 0) > 0) {
      const token = pick(random, issued[appId] ?? [])
      const kind = random()
      if (appId === 'ios') {
        const answer =
          kind < 0.4
            ? { status: 410, reason: 'Unregistered', timestamp: at - below(random, 7_200_000) }
            : kind < 0.6
              ? { status: 400, reason: 'BadDeviceToken' }
              : kind < 0.7
                ? { status: 403, reason: 'InvalidProviderToken' }
                : { status: 200 }
        inputs.push({ type: 'provider_answer', at: iso(at), appId, token, provider: 'apns', ...answer })
      } else {
        const answer =
          kind < 0.4 ? { status: 404, reason: 'UNREGISTERED' } : kind < 0.5 ? { status: 400, reason: 'INVALID_ARGUMENT' } : kind < 0.6 ? { status: 503, reason: 'UNAVAILABLE' } : { status: 200 }
        inputs.push({ type: 'provider_answer', at: iso(at), appId, token, provider: 'fcm', ...answer })
      }
    } else if (roll < 0.95) {
      inputs.push({ type: 'subscription_set', at: iso(at), userId, state: pick(random, ['subscribed', 'opted_in', 'unsubscribed'] as const) })
    } else {
      inputs.push({ type: 'user_attributes', at: iso(at), userId, email: `${userId}@example.com`, phone: random() < 0.5 ? null : `+3361234${String(below(random, 10_000)).padStart(4, '0')}` })
    }
  }
  return inputs
}

/** Devices and users of the race: few, so that the racing processes collide on every record. */
const raceDevices = 10
const raceUsers = 8
/** Tokens of the race: a few more than devices, so tokens move between devices (R3, I1). */
const raceTokens = 14

/** Every user id of the race workload. */
export const raceUserIds: readonly string[] = Array.from({ length: raceUsers }, (_, u) => `racer-${u}`)

/**
 * The race's inputs: `user_changed` and `session_started` on ten iOS devices, eight users and
 * fourteen tokens, with times drawn from a few minutes so that ties and late arrivals (R20)
 * are everywhere.
 */
export const raceWorkload = (count: number, seed = 777): Record<string, unknown>[] => {
  const random = prng(seed)
  const inputs: Record<string, unknown>[] = []
  for (let i = 0; i < count; i++) {
    // Ten days before the query time, so that the race's tokens are live when compared.
    const at = iso(workloadNow - 10 * 24 * 3600 * 1000 + below(random, 300) * 1000)
    const deviceId = `shared-${below(random, raceDevices)}`
    const userId = pick(random, raceUserIds)
    if (random() < 0.5) {
      inputs.push({ type: 'user_changed', at, appId: 'ios', deviceId, userId })
    } else {
      const permission = pick(random, ['granted', 'granted', 'denied', 'provisional'] as const)
      inputs.push({ type: 'session_started', at, appId: 'ios', deviceId, ...(random() < 0.85 ? { userId } : {}), token: tokenOf('ios', below(random, raceTokens)), permission, osVersion: '17.5', apnsEnvironment: 'production' })
    }
  }
  return inputs
}

/**
 * The batches process `worker` of `workers` ingests: the race's inputs cut into slices of
 * `slice`, dealt round-robin, and every third slice also given to the next process, so that
 * the same inputs arrive twice from different processes (I9).
 */
export const raceShare = (inputs: readonly unknown[], worker: number, workers: number, slice: number): unknown[][] => {
  const mine: unknown[][] = []
  for (let s = 0, start = 0; start < inputs.length; s++, start += slice) {
    if (s % workers === worker || (s % 3 === 0 && (s + 1) % workers === worker)) mine.push(inputs.slice(start, start + slice))
  }
  return mine
}

/** `items` cut into consecutive batches of at most `size`. */
export const inBatches = <A>(items: readonly A[], size: number): A[][] => {
  const out: A[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
