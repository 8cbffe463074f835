/**
 * A synthetic but realistic population of registrations: distinct devices, APNs 64-hex and FCM
 * tokens, user ids (some users on two devices), ~10% background-only registrations, a few iOS
 * provisional ones, and ~5% of users who unsubscribed. Deterministic: registration `i` is the
 * same in every run and in every consumer (registry, raw baselines), so their answers can be
 * compared.
 */

/** Where the synthetic timeline starts; registrations are spread over the following month. */
export const epoch = Date.parse('2026-01-01T00:00:00.000Z')
/** The query clock: after every input, before any token goes stale (R19). */
export const queryNow = epoch + 31 * 24 * 3600 * 1000

/** One registration of the population, before it becomes an input. */
export interface RegistrationSpec {
  readonly appId: 'ios' | 'android'
  readonly deviceId: string
  readonly userId: string
  readonly token: string
  readonly at: number
  readonly permission: 'granted' | 'provisional' | 'denied' | 'not_determined'
  readonly osVersion: string
  /** What R5/D4 make of `permission` and `osVersion`; what the baselines filter on. */
  readonly capability: 'foreground' | 'provisional' | 'background'
  /** Whether the user explicitly unsubscribed (R11, R13). */
  readonly unsubscribed: boolean
}

/** A cheap integer hash (xorshift-multiply): spreads ids so that tokens look random. */
const mix = (x: number): number => {
  let h = Math.imul(x ^ (x >>> 16), 0x45d9f3b)
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b)
  return (h ^ (h >>> 16)) >>> 0
}

const hex8 = (n: number): string => n.toString(16).padStart(8, '0')

/**
 * Joins parts into one flat string. Strings built with `+` or template literals are ropes in V8
 * (a tree of pieces, several times the bytes); tokens decoded from a JSON body are flat, and the
 * heap figures must count what a server would really hold.
 */
const flat = (parts: readonly string[]): string => parts.join('')

/** An APNs token: 32 bytes as 64 hex characters (D13). */
export const apnsToken = (i: number): string => flat(Array.from({ length: 8 }, (_, w) => hex8(mix(i * 8 + w + 1))))

/** An FCM registration token: `<instance id>:APA91b<opaque>`, about 160 characters. */
export const fcmToken = (i: number): string =>
  flat([hex8(mix(i)), i.toString(36), ':APA91b', ...Array.from({ length: 18 }, (_, w) => hex8(mix(i * 18 + w + 7)))])

/** Users `0 … userCount-1`; with `count` registrations, 20% of users hold two of them. */
export const userCount = (count: number): number => Math.max(1, Math.ceil(count * 0.8))

/** A user explicitly unsubscribed: one in twenty. */
export const isUnsubscribed = (user: number): boolean => user % 20 === 7

/** Registration `i` as an iPhone: ~10% declined the prompt (background), ~5% provisional. */
export const iosSpec = (i: number, count: number): RegistrationSpec => {
  const roll = mix(i ^ 0x5bd1e995) % 100
  const user = i % userCount(count)
  const base = { appId: 'ios' as const, deviceId: `device-${i.toString(36)}`, userId: `user-${user}`, token: apnsToken(i), at: epoch + (i % 2_592_000) * 1000, osVersion: '17.5', unsubscribed: isUnsubscribed(user) }
  if (roll < 10) return { ...base, permission: 'denied', capability: 'background' }
  if (roll < 15) return { ...base, permission: 'provisional', capability: 'provisional' }
  return { ...base, permission: 'granted', capability: 'foreground' }
}

/** Registration `i` of a population of `count`: 60% iOS, 40% Android, ~10% background only. */
export const registrationSpec = (i: number, count: number): RegistrationSpec => {
  const roll = mix(i ^ 0x5bd1e995) % 100
  const user = i % userCount(count)
  const at = epoch + (i % 2_592_000) * 1000
  const base = { deviceId: `device-${i.toString(36)}`, userId: `user-${user}`, at, unsubscribed: isUnsubscribed(user) }
  if (i % 5 < 3) return iosSpec(i, count)
  // Android 13+ is background until the prompt is granted; Android 12 and earlier grant at install (R5, D4).
  if (roll < 10) return { ...base, appId: 'android', token: fcmToken(i), permission: 'not_determined', osVersion: '14', capability: 'background' }
  if (roll < 40) return { ...base, appId: 'android', token: fcmToken(i), permission: 'not_determined', osVersion: '12', capability: 'foreground' }
  return { ...base, appId: 'android', token: fcmToken(i), permission: 'granted', osVersion: '14', capability: 'foreground' }
}

/** The `session_started` a client SDK would send for a registration, as JSON on the wire. */
export const sessionStarted = (spec: RegistrationSpec): Record<string, unknown> => ({
  type: 'session_started',
  at: new Date(spec.at).toISOString(),
  appId: spec.appId,
  deviceId: spec.deviceId,
  userId: spec.userId,
  token: spec.token,
  permission: spec.permission,
  osVersion: spec.osVersion,
  ...(spec.appId === 'ios' ? { apnsEnvironment: 'production' } : {}),
})

/**
 * The wire inputs for registrations `from … to-1` of a population of `count`: one session
 * each, plus the `subscription_set` of each unsubscribed user at their first registration.
 */
export const populationInputs = (from: number, to: number, count: number): Record<string, unknown>[] => {
  const inputs: Record<string, unknown>[] = []
  const users = userCount(count)
  for (let i = from; i < to; i++) {
    const spec = registrationSpec(i, count)
    inputs.push(sessionStarted(spec))
    if (spec.unsubscribed && i < users) {
      inputs.push({ type: 'subscription_set', at: new Date(spec.at + 1000).toISOString(), userId: spec.userId, state: 'unsubscribed' })
    }
  }
  return inputs
}

/** `items` cut into consecutive batches of at most `size`. */
export const batches = <A>(items: readonly A[], size: number): A[][] => {
  const out: A[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
