import { collect } from 'push-registry'
import { expect } from 'vitest'
import type { Clock, IngestReport, PolicyOverrides, Registry, StoragePort } from 'push-registry'
import * as E from 'fp-ts/lib/Either.js'
import { createRegistry, parseSegment } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'

/** Shared fixtures of the registry tests: apps, times, tokens and input builders. */

export const iosApp = { appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' } as const
export const androidApp = { appId: 'android', name: 'MyApp (Android)', platform: 'android' } as const
export const webApp = { appId: 'web', name: 'MyApp (Web)', platform: 'web' } as const
export const allApps = [iosApp, androidApp, webApp] as const

export const minute = 60_000
export const hour = 60 * minute
export const day = 24 * hour

/** The origin of every test timeline: 2026-01-01T00:00:00.000Z. */
export const t0 = Date.parse('2026-01-01T00:00:00.000Z')

/** The ISO time `offset` milliseconds after `t0`. */
export const at = (offset: number): string => new Date(t0 + offset).toISOString()
/** The ISO time `n` hours after `t0`. */
export const h = (n: number): string => at(n * hour)
/** The ISO time `n` days after `t0`. */
export const d = (n: number): string => at(n * day)

/** A valid APNs token (64 hex characters) made of a 2-hex-digit seed. */
export const apns = (seed: string): string => seed.repeat(32)
/** An FCM registration token, long enough to be redacted rather than masked (S2). */
export const fcm = (seed: string): string => `fcm-${seed}-0123456789abcdefghij-${seed}`
/** A Web Push subscription on an allow-listed push service (S1). */
export const web = (seed: string, host = 'fcm.googleapis.com') => ({
  endpoint: `https://${host}/fcm/send/${seed}`,
  keys: { p256dh: `p256dh-${seed}`, auth: `auth-${seed}` },
})

type Token = string | ReturnType<typeof web>
type Permission = 'granted' | 'provisional' | 'denied' | 'not_determined'

export const session = (o: {
  at: string
  app?: string
  device: string
  user?: string
  token?: Token
  permission?: Permission
  os?: string
  env?: 'sandbox' | 'production'
}) => ({
  type: 'session_started',
  at: o.at,
  appId: o.app ?? 'ios',
  deviceId: o.device,
  permission: o.permission ?? 'granted',
  ...(o.user === undefined ? {} : { userId: o.user }),
  ...(o.token === undefined ? {} : { token: o.token }),
  ...(o.os === undefined ? {} : { osVersion: o.os }),
  ...(o.env === undefined ? {} : { apnsEnvironment: o.env }),
})

export const tokenReport = (o: {
  at: string
  app?: string
  device: string
  token?: Token
  permission?: Permission
  env?: 'sandbox' | 'production'
}) => ({
  type: 'token_reported',
  at: o.at,
  appId: o.app ?? 'ios',
  deviceId: o.device,
  permission: o.permission ?? 'granted',
  ...(o.token === undefined ? {} : { token: o.token }),
  ...(o.env === undefined ? {} : { apnsEnvironment: o.env }),
})

export const prompt = (o: { at: string; app?: string; device: string; result: 'granted' | 'provisional' | 'denied' }) => ({
  type: 'prompt_answered',
  at: o.at,
  appId: o.app ?? 'ios',
  deviceId: o.device,
  result: o.result,
})

export const login = (o: { at: string; app?: string; device: string; user: string }) => ({
  type: 'user_changed',
  at: o.at,
  appId: o.app ?? 'ios',
  deviceId: o.device,
  userId: o.user,
})

export const logout = (o: { at: string; app?: string; device: string; user: string }) => ({
  type: 'logged_out',
  at: o.at,
  appId: o.app ?? 'ios',
  deviceId: o.device,
  userId: o.user,
})

export const uninstall = (o: { at: string; app?: string; device: string }) => ({
  type: 'uninstalled',
  at: o.at,
  appId: o.app ?? 'ios',
  deviceId: o.device,
})

export const answer = (o: {
  at: string
  app?: string
  token: Token
  provider?: string
  status: number
  reason?: string
  detail?: string
  timestamp?: number
  dispatch?: string
}) => ({
  type: 'provider_answer',
  at: o.at,
  appId: o.app ?? 'ios',
  token: o.token,
  provider: o.provider ?? 'apns',
  status: o.status,
  ...(o.reason === undefined ? {} : { reason: o.reason }),
  ...(o.detail === undefined ? {} : { detail: o.detail }),
  ...(o.timestamp === undefined ? {} : { timestamp: o.timestamp }),
  ...(o.dispatch === undefined ? {} : { dispatchId: o.dispatch }),
})

export const subscriptionSet = (o: { at: string; user: string; state: 'subscribed' | 'opted_in' | 'unsubscribed' }) => ({
  type: 'subscription_set',
  at: o.at,
  userId: o.user,
  state: o.state,
})

export const attributes = (o: { at: string; user: string; email?: string | null; phone?: string | null }) => ({
  type: 'user_attributes',
  at: o.at,
  userId: o.user,
  ...(o.email === undefined ? {} : { email: o.email }),
  ...(o.phone === undefined ? {} : { phone: o.phone }),
})

export const delivery = (o: { at: string; app?: string; device: string; dispatch: string; event?: 'received' | 'opened' }) => ({
  type: 'delivery_reported',
  at: o.at,
  appId: o.app ?? 'ios',
  deviceId: o.device,
  dispatchId: o.dispatch,
  event: o.event ?? 'received',
})

/** A clock the test moves: queries are answered at `clock.set(…)`'s time (R19, D7). */
export interface TestClock extends Clock {
  set(iso: string): void
}

export const testClock = (iso: string): TestClock => {
  let now = Date.parse(iso)
  return {
    now: () => now,
    set: (next) => {
      now = Date.parse(next)
    },
  }
}

export interface Harness {
  readonly registry: Registry
  readonly clock: TestClock
  /** Ingests inputs and fails the test if any is rejected: a typo must not pass for a rule. */
  readonly feed: (...inputs: unknown[]) => Promise<IngestReport>
}

/** A fresh registry over a fresh memory store; queries run at `now` (default: day 1). */
export const setup = (options: {
  apps?: readonly unknown[]
  policy?: Readonly<Record<string, PolicyOverrides>>
  now?: string
  /** Default: a fresh memory store. */
  storage?: StoragePort
} = {}): Harness => {
  const clock = testClock(options.now ?? d(1))
  const registry = createRegistry({
    apps: (options.apps ?? allApps) as never,
    storage: options.storage ?? createMemoryStorage(),
    clock,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  })
  const feed = async (...inputs: unknown[]): Promise<IngestReport> => {
    const report = await registry.ingest(inputs)
    expect(report.rejected, JSON.stringify(report.rejected)).toEqual([])
    expect(report.refused).toBeUndefined()
    return report
  }
  return { registry, clock, feed }
}

/** One registration's summary, or a failure naming it. */
export const registrationOf = async (registry: Registry, appId: string, deviceId: string) => {
  const found = (await collect(registry.registrations(appId))).find((r) => r.deviceId === deviceId)
  if (found === undefined) throw new Error(`no registration ${appId}/${deviceId}`)
  return found
}

/** The tokens a default send of `kind` to `appId` addresses (R27). */
export const targetTokens = async (registry: Registry, appId: string, kind: 'alert' | 'background' = 'alert') =>
  (await collect(registry.targets({ appId, kind }))).map((t) => t.token)

/** The users of a segment named as the vectors name it (`foregroundPushEnabledForApp:ios`), sorted. */
export const members = async (registry: Registry, name: string): Promise<string[]> => {
  const segment = parseSegment(name)
  if (E.isLeft(segment)) throw new Error(`bad segment ${name}: ${segment.left.message}`)
  return [...(await collect(registry.segment(segment.right)))].sort()
}

/** Every arrival order of `items` (use on short lists only). */
export const permutations = <A>(items: readonly A[]): A[][] => {
  if (items.length <= 1) return [[...items]]
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]))
}

/**
 * A store that counts the `read` and `commit` calls the registry makes to it (each a round
 * trip on a server); `take` answers the counts since the last `take` and starts again.
 */
export const countingStore = (inner: StoragePort) => {
  const calls = { reads: 0, commits: 0 }
  const store: StoragePort = {
    ...inner,
    read: (keys) => {
      calls.reads++
      return inner.read(keys)
    },
    commit: (writes, options) => {
      calls.commits++
      return inner.commit(writes, options)
    },
  }
  const take = () => {
    const taken = { ...calls }
    calls.reads = 0
    calls.commits = 0
    return taken
  }
  return { store, take }
}
