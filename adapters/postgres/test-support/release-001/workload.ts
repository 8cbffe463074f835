/**
 * The inputs behind the release-001 fixture: a year and a half of four apps, deterministic
 * (a seeded generator, no clock, no `Math.random`), in time order. It imports nothing, so that
 * the very same file runs on the release that wrote the fixture (`generate.ts`) and on today's
 * code (`release-001.test.ts`), which feeds the same inputs to a fresh store and compares.
 *
 * What it holds on purpose: every input type; rotations, moves between devices (R3), logins
 * on someone else's phone (R7), shared-mode logouts (R10), prompts and permission changes
 * (R12, D3), uninstalls (R14), APNs 410s with timestamps (R17), ambiguous answers in
 * dispatches that delivered and that did not (R18, D6), credentials and transient answers
 * (I10), delivery reports (D14), subscription settings (R11) and shared contact addresses
 * (D11); and one device that opened its app every four hours for the whole period, whose
 * record the release kept whole (thousands of facts).
 */

/** The apps of the fixture's registry, as `createRegistry` takes them. */
export const fixtureApps = [
  { appId: 'ios', name: 'Shop (iOS)', platform: 'ios' },
  { appId: 'android', name: 'Shop (Android)', platform: 'android' },
  { appId: 'web', name: 'Shop (Web)', platform: 'web' },
  { appId: 'kiosk', name: 'Kiosk (iPad)', platform: 'ios' },
] as const

/** The policy overrides of the fixture's registry. */
export const fixturePolicy = { kiosk: { ownership: 'shared' } } as const

const day = 86_400_000
const hour = 3_600_000
/** Every dispatch id the inputs name. */
export const fixtureDispatches: readonly string[] = Array.from({ length: 30 }, (_, i) => [`campaign-a-${i}`, `campaign-b-${i}`]).flat()

/** The first input's time. */
export const fixtureStart = Date.UTC(2025, 5, 1)
/** Days the inputs span; the long-history device reports every four hours throughout. */
export const fixtureDays = 540
/** The clock queries run at: a day after the last input. */
export const fixtureNow = fixtureStart + (fixtureDays + 1) * day

/** A small deterministic generator (mulberry32). */
const generator = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hex = (random: () => number, length: number): string => {
  let out = ''
  while (out.length < length) out += Math.floor(random() * 16).toString(16)
  return out
}
const base64url = (random: () => number, length: number): string => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  let out = ''
  while (out.length < length) out += alphabet[Math.floor(random() * 64)]
  return out
}

type Token = string | { readonly endpoint: string; readonly keys: { readonly p256dh: string; readonly auth: string } }

interface Device {
  readonly appId: (typeof fixtureApps)[number]['appId']
  readonly deviceId: string
  readonly osVersion?: string
  token: Token | null
  permission: 'granted' | 'provisional' | 'denied' | 'not_determined'
  user: string | null
  /** Shared mode (kiosk): everyone signed in. */
  signedIn: string[]
}

const users = Array.from({ length: 120 }, (_, i) => `user-${String(i).padStart(3, '0')}`)

/**
 * Every input, in time order (what the release was fed, in batches of 500). `continued: true`
 * gives the inputs that follow them (a further month), which the test feeds after the upgrade.
 */
export const fixtureInputs = (options: { readonly continued?: boolean } = {}): unknown[] => {
  const random = generator(options.continued === true ? 20_260_002 : 20_260_001)
  const pick = <A>(items: readonly A[]): A => items[Math.floor(random() * items.length)] as A
  const tokenFor = (appId: Device['appId']): Token =>
    appId === 'android'
      ? `${base64url(random, 22)}:APA91b${base64url(random, 134)}`
      : appId === 'web'
        ? { endpoint: `https://fcm.googleapis.com/fcm/send/${base64url(random, 40)}`, keys: { p256dh: `B${base64url(random, 86)}`, auth: base64url(random, 22) } }
        : hex(random, 64)
  // The same devices in both halves (the continuation needs them): their own generator.
  const deviceRandom = generator(7)
  const devices: Device[] = fixtureApps.flatMap((app) =>
    Array.from({ length: app.appId === 'kiosk' ? 6 : 50 }, (_, i): Device => ({
      appId: app.appId,
      deviceId: `${app.appId}-dev-${String(i).padStart(2, '0')}`,
      ...(app.appId === 'android' ? { osVersion: deviceRandom() < 0.3 ? '12' : '14' } : {}),
      token: null,
      permission: 'not_determined',
      user: null,
      signedIn: [],
    })),
  )
  const offset = options.continued === true ? fixtureDays * day : 0
  const out: { at: number; input: Record<string, unknown> }[] = []
  const push = (at: number, input: Record<string, unknown>) => out.push({ at: at + offset, input })
  // The continuation reports on the release's campaigns too (its dispatch records list devices).
  const dispatches = Array.from({ length: 30 }, (_, i) => (options.continued === true && i % 2 === 0 ? `campaign-a-${i}` : `campaign-${options.continued === true ? 'b' : 'a'}-${i}`))
  const days = options.continued === true ? 30 : fixtureDays

  // The long-history device: every four hours, the same token, a rotation every 120 days.
  const long: Device = { appId: 'ios', deviceId: 'ios-long-history', token: hex(random, 64), permission: 'granted', user: 'user-000', signedIn: [] }
  if (options.continued !== true) push(0, { type: 'user_changed', appId: 'ios', deviceId: long.deviceId, userId: 'user-000' })
  for (let t = hour; t < days * day; t += 4 * hour) {
    if (options.continued !== true && t % (120 * day) < 4 * hour && t > day) long.token = hex(random, 64)
    push(t, { type: 'session_started', appId: 'ios', deviceId: long.deviceId, token: long.token, permission: 'granted', userId: 'user-000' })
  }
  if (options.continued === true) {
    // The continuation's long device starts from a token of its own (the test does not know the last one).
    push(0, { type: 'token_reported', appId: 'ios', deviceId: long.deviceId, token: long.token, permission: 'granted' })
  }

  for (let step = 0; step < days * 12; step++) {
    const at = Math.floor((step / (days * 12)) * days * day) + Math.floor(random() * hour)
    const device = pick(devices)
    const base = { appId: device.appId, deviceId: device.deviceId }
    const roll = random()
    if (device.token === null || roll < 0.35) {
      // A session: the first one registers; some rotate; a login now and then.
      if (device.token === null || random() < 0.08) device.token = tokenFor(device.appId)
      if (device.permission === 'not_determined' && device.appId !== 'android' && random() < 0.5) device.permission = random() < 0.15 ? 'provisional' : 'granted'
      if (device.appId === 'android' && device.osVersion === '12') device.permission = 'granted'
      if (device.appId === 'web' && device.permission === 'not_determined') device.permission = 'granted'
      let userId: string | undefined
      if (device.appId === 'kiosk') {
        if (random() < 0.3) {
          const user = pick(users)
          if (!device.signedIn.includes(user)) device.signedIn.push(user)
          userId = user
        }
      } else if (device.user === null ? random() < 0.7 : random() < 0.05) {
        device.user = pick(users)
      }
      if (device.appId !== 'kiosk' && device.user !== null) userId = device.user
      // D5: a browser holds a subscription only while permission is granted.
      if (device.appId === 'web' && device.permission !== 'granted') device.token = null
      push(at, {
        type: 'session_started',
        ...base,
        ...(device.token === null ? {} : { token: device.token }),
        permission: device.permission,
        ...(userId === undefined ? {} : { userId }),
        ...(device.osVersion === undefined ? {} : { osVersion: device.osVersion }),
      })
    } else if (roll < 0.42) {
      if (device.appId === 'kiosk' && device.signedIn.length > 0) {
        const user = device.signedIn.splice(Math.floor(random() * device.signedIn.length), 1)[0] as string
        push(at, { type: 'logged_out', ...base, userId: user })
      } else {
        device.user = pick(users)
        push(at, { type: 'user_changed', ...base, userId: device.user })
      }
    } else if (roll < 0.47) {
      const result = pick(['granted', 'granted', 'denied', 'provisional'] as const)
      if (device.appId !== 'ios' && device.appId !== 'kiosk' && result === 'provisional') continue
      device.permission = result
      push(at, { type: 'prompt_answered', ...base, result })
    } else if (roll < 0.5) {
      // The same token reported by another device of the app (a restored backup, R3).
      const other = pick(devices.filter((d) => d.appId === device.appId && d !== device))
      if (other.token === null) continue
      device.token = other.token
      if (device.permission === 'not_determined' || device.appId === 'web') device.permission = 'granted'
      push(at, { type: 'token_reported', ...base, token: device.token, permission: device.permission })
    } else if (roll < 0.52) {
      push(at, { type: 'uninstalled', ...base })
      device.token = null
      device.user = null
      device.signedIn = []
    } else if (roll < 0.8) {
      const dispatchId = pick(dispatches)
      const provider = device.appId === 'android' ? 'fcm' : device.appId === 'web' ? 'webpush' : 'apns'
      const answer = random()
      const common = { type: 'provider_answer', appId: device.appId, token: device.token, provider, dispatchId }
      if (answer < 0.6) push(at, { ...common, status: provider === 'webpush' ? 201 : 200 })
      else if (answer < 0.7) {
        if (provider === 'apns') push(at, { ...common, status: 410, reason: 'Unregistered', timestamp: fixtureStart + offset + at - Math.floor(random() * 3 * day) })
        else if (provider === 'fcm') push(at, { ...common, status: 404, reason: 'UNREGISTERED' })
        else push(at, { ...common, status: 410 })
      } else if (answer < 0.82) {
        push(at, { ...common, status: 400, reason: provider === 'fcm' ? 'INVALID_ARGUMENT' : 'BadDeviceToken' })
      } else if (answer < 0.9) push(at, { ...common, status: 403, reason: provider === 'fcm' ? 'PERMISSION_DENIED' : 'InvalidProviderToken' })
      else push(at, { ...common, status: 429, reason: provider === 'fcm' ? 'QUOTA_EXCEEDED' : 'TooManyRequests' })
    } else if (roll < 0.9) {
      push(at, { type: 'delivery_reported', ...base, dispatchId: pick(dispatches), event: random() < 0.6 ? 'received' : 'opened' })
    } else if (roll < 0.95) {
      push(at, { type: 'subscription_set', userId: pick(users), state: pick(['subscribed', 'opted_in', 'unsubscribed'] as const) })
    } else {
      const user = pick(users)
      // A few addresses are claimed by several users over time (D11: the latest claim holds).
      const n = Math.floor(random() * 40)
      push(at, random() < 0.6 ? { type: 'user_attributes', userId: user, email: `person${n}@example.com` } : { type: 'user_attributes', userId: user, phone: `+3361234${String(n).padStart(4, '0')}` })
    }
  }
  out.sort((a, b) => a.at - b.at)
  return out.map(({ at, input }) => ({ ...input, at: new Date(fixtureStart + at).toISOString() }))
}
