import type { ChangelogEntry, PushToken, RegistrationSummary } from 'push-registry'
import type { RawInput } from './arbitraries.js'
import { canonicalJson, sortCanonically } from './canonical.js'
import type { Snapshot } from './snapshot.js'
import { kitApps, kitUsers } from './universe.js'

/**
 * The invariants of the spec (§3) as checks on one {@link Snapshot}. Each returns the problems
 * it found, each naming its rule, so that a failing property prints what broke and where.
 * Every check reads only the public answers of the registry: it holds whatever storage the
 * registry runs on, and breaks when the storage loses, duplicates or mixes up records.
 */
export type Check = (snapshot: Snapshot, accepted: readonly RawInput[]) => string[]

/** A registration's place, `app/device`, as problems name it. */
export const where = (r: { readonly appId: string; readonly deviceId: string }): string => `${r.appId}/${r.deviceId}`
const keyOf = (token: PushToken | null): string | null => (token === null ? null : typeof token === 'string' ? token : token.endpoint)
const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b)
const activeRows = (s: Snapshot): RegistrationSummary[] => s.registrations.filter((r) => r.active)
const subscriptionOf = (s: Snapshot, userId: string): string => s.profiles[userId]?.subscription ?? 'subscribed'

/** I1: at most one active token per (app, device): one row per registration, one target per device. */
export const checkI1: Check = (s) => {
  const problems: string[] = []
  const rows = s.registrations.map(where)
  for (const dup of rows.filter((r, i) => rows.indexOf(r) !== i)) problems.push(`I1: registration ${dup} listed twice`)
  for (const [name, targets] of Object.entries(s.targets)) {
    const devices = targets.map(where)
    for (const dup of devices.filter((d, i) => devices.indexOf(d) !== i)) problems.push(`I1: ${name} targets ${dup} twice`)
  }
  return problems
}

/** I2: a token value is active in at most one registration per app. */
export const checkI2: Check = (s) => {
  const problems: string[] = []
  const seen = new Map<string, string>()
  for (const row of activeRows(s)) {
    const id = `${row.appId}\u0000${keyOf(row.token)}`
    const other = seen.get(id)
    if (other !== undefined) problems.push(`I2: one token of ${row.appId} is active on ${other} and ${where(row)}`)
    seen.set(id, where(row))
  }
  return problems
}

/**
 * I3 in `exclusive` mode (the kit's apps use the default). Read with D8: the anonymous owner
 * is `null` until the first login, so an active registration has at most one owner
 * (`owners` is `[owner]`, or `[]` for an anonymous device), and exactly one once any user
 * logged in on the device.
 */
export const checkI3: Check = (s, accepted) => {
  const problems: string[] = []
  for (const row of s.registrations) {
    const expected = row.owner === null ? [] : [row.owner]
    if (!same(row.owners, expected)) problems.push(`I3: ${where(row)} has owner ${String(row.owner)} but owners ${canonicalJson(row.owners)}`)
    if (row.active && row.owner === null && ownershipInputs(accepted, row).length > 0) {
      problems.push(`I3: ${where(row)} is active with no owner although a user logged in on it`)
    }
  }
  return problems
}

/** The accepted inputs that name a user as the device's owner (R7): logins and sessions of a user. */
const ownershipInputs = (accepted: readonly RawInput[], row: { readonly appId: string; readonly deviceId: string }): RawInput[] =>
  accepted.filter(
    (input) =>
      input['appId'] === row.appId &&
      input['deviceId'] === row.deviceId &&
      typeof input['userId'] === 'string' &&
      (input.type === 'user_changed' || input.type === 'session_started'),
  )

/**
 * I4: the owner is the user of the latest ownership input by `at` (R7). At equal times R20
 * breaks the tie by a fixed order on content that this check does not restate: when the
 * latest time holds logins of several users, the owner must be one of them (I9 checks that
 * the choice never depends on arrival order).
 */
export const checkI4: Check = (s, accepted) => {
  const problems: string[] = []
  for (const row of s.registrations) {
    const logins = ownershipInputs(accepted, row)
    const latest = Math.max(...logins.map((i) => Date.parse(i.at)))
    const candidates = new Set(logins.filter((i) => Date.parse(i.at) === latest).map((i) => i['userId'] as string))
    const ok = logins.length === 0 ? row.owner === null : row.owner !== null && candidates.has(row.owner)
    if (!ok) problems.push(`I4: ${where(row)} is owned by ${String(row.owner)}, expected one of ${canonicalJson([...candidates])}`)
  }
  return problems
}

const appName = (appId: string): string => kitApps.find((a) => a.appId === appId)?.name ?? appId

/**
 * I5 (with R21–R25): a user is push registered for an app iff they own an active registration
 * of it, and every answer says so alike: the segments, the profile's `pushRegisteredFor`
 * labels and the export's tokens.
 */
export const checkI5: Check = (s) => {
  const problems: string[] = []
  const rows = activeRows(s)
  const owned = (u: string) => rows.filter((r) => r.owners.includes(u as never))
  const alerting = (r: RegistrationSummary) => r.capability === 'foreground' || r.capability === 'provisional'
  const expectSegment = (name: string, members: string[]): void => {
    const actual = s.segments[name] ?? []
    if (!same(actual, [...members].sort())) problems.push(`I5: segment ${name} is ${canonicalJson(actual)}, expected ${canonicalJson(members.sort())}`)
  }
  for (const app of kitApps) {
    expectSegment(
      `foregroundPushEnabledForApp:${app.appId}`,
      kitUsers.filter((u) => owned(u).some((r) => r.appId === app.appId && alerting(r))),
    )
  }
  const subscribed = (u: string) => subscriptionOf(s, u) !== 'unsubscribed'
  expectSegment(
    'foregroundPushEnabled',
    kitUsers.filter((u) => owned(u).some((r) => r.capability === 'provisional') || (owned(u).some(alerting) && subscribed(u))),
  )
  expectSegment('backgroundOrForegroundPushEnabled', kitUsers.filter((u) => owned(u).length > 0 && subscribed(u)))
  for (const state of ['subscribed', 'opted_in', 'unsubscribed']) {
    expectSegment(`pushSubscription:${state}`, kitUsers.filter((u) => s.profiles[u] !== null && s.profiles[u]?.subscription === state))
  }
  for (const userId of kitUsers) {
    const profile = s.profiles[userId]
    if (profile === null || profile === undefined) {
      if (owned(userId).length > 0) problems.push(`I5: ${userId} owns an active registration but has no profile`)
      continue
    }
    for (const device of profile.devices) {
      const row = rows.find((r) => r.appId === device.appId && r.deviceId === device.deviceId && r.owners.includes(userId as never))
      const label = row === undefined ? '--' : `${row.capability === 'background' ? 'Background' : 'Foreground'}: ${appName(row.appId)}`
      if (device.pushRegisteredFor !== label) problems.push(`I5: ${userId}'s profile says ${device.pushRegisteredFor} for ${where(device)}, expected ${label}`)
    }
    for (const row of owned(userId)) {
      if (!profile.devices.some((d) => d.appId === row.appId && d.deviceId === row.deviceId)) {
        problems.push(`I5: ${userId}'s profile lacks ${where(row)}, which they own`)
      }
    }
    const exported = s.exports.find((e) => e.external_id === userId)
    const expectedTokens = sortCanonically(
      owned(userId).map((r) => ({
        app: appName(r.appId),
        platform: kitApps.find((a) => a.appId === r.appId)?.platform,
        token: r.token,
        device_id: r.deviceId,
        notifications_enabled: alerting(r),
      })),
    )
    if (!same(exported?.push_tokens ?? null, expectedTokens)) {
      problems.push(`I5: ${userId}'s export lists ${canonicalJson(exported?.push_tokens ?? null)}, expected ${canonicalJson(expectedTokens)}`)
    }
  }
  return problems
}

/**
 * I6 (with R27): every target is an active registration with its current token; ended,
 * suspect and expired ones never are. Default eligibility: background pushes go to every
 * active token (none on web, R5), alerts to foreground or provisional tokens of users who
 * are not unsubscribed (an anonymous device counts as subscribed, R11).
 */
export const checkI6: Check = (s) => {
  const problems: string[] = []
  for (const app of kitApps) {
    const rows = activeRows(s).filter((r) => r.appId === app.appId)
    for (const kind of ['alert', 'background'] as const) {
      const name = `${kind}:${app.appId}`
      const targets = s.targets[name] ?? []
      for (const target of targets) {
        const row = s.registrations.find((r) => r.appId === target.appId && r.deviceId === target.deviceId)
        if (row === undefined || !row.active || !same(row.token, target.token) || row.capability !== target.capability || !same(row.owners, target.owners)) {
          problems.push(`I6: ${name} targets ${where(target)}, whose registration is ${row === undefined ? 'unknown' : `${row.status} with another token or capability`}`)
        }
      }
      const eligible = rows.filter((r) =>
        kind === 'background'
          ? app.platform !== 'web'
          : r.capability !== 'background' && (r.owners.length === 0 || r.owners.some((u) => subscriptionOf(s, u) !== 'unsubscribed')),
      )
      const expected = eligible.map(where).sort()
      const actual = targets.map(where).sort()
      if (!same(actual, expected)) problems.push(`I6: ${name} targets ${canonicalJson(actual)}, expected ${canonicalJson(expected)} (R27)`)
    }
  }
  return problems
}

const holdsAfter = (entry: ChangelogEntry): boolean =>
  entry.kind === 'registered' || entry.kind === 'transferred_in' || entry.kind === 'rotated'

/**
 * I7: each user's changelog is in `at` order, and folding it gives what they hold now: the
 * last entry of theirs about a registration leaves them holding its token (registered,
 * transferred in, rotated) iff they own it and it is live (active, stale, or quarantined, which
 * D1 does not log), with that very token (by its key: a Web Push endpoint whose keys were
 * re-issued is the same token, and D1 logs no change for it).
 */
export const checkI7: Check = (s) => {
  const problems: string[] = []
  for (const userId of kitUsers) {
    const changelog = s.profiles[userId]?.changelog ?? []
    changelog.forEach((entry, i) => {
      const previous = changelog[i - 1]
      if (previous !== undefined && previous.at > entry.at) problems.push(`I7: ${userId}'s changelog entry ${i} is older than entry ${i - 1}`)
    })
    const last = new Map<string, ChangelogEntry>()
    for (const entry of changelog) last.set(where(entry), entry)
    for (const row of s.registrations) {
      const entry = last.get(where(row))
      const held = entry !== undefined && holdsAfter(entry)
      const live = row.owners.includes(userId as never) && (row.status === 'active' || row.status === 'stale' || row.status === 'suspect')
      if (held !== live) {
        problems.push(`I7: ${userId}'s changelog ends with ${entry?.kind ?? 'nothing'} for ${where(row)}, but the registration is ${row.status} and owned by ${canonicalJson(row.owners)}`)
      } else if (held && keyOf(entry.token) !== keyOf(row.token)) {
        // Tokens are the same token when their keys are (a Web Push endpoint with re-issued keys).
        problems.push(`I7: ${userId}'s changelog gives ${where(row)} another token than the registration holds`)
      }
    }
  }
  return problems
}

/** Every check on one state, by rule. */
export const stateChecks: Readonly<Record<string, Check>> = {
  I1: checkI1,
  I2: checkI2,
  I3: checkI3,
  I4: checkI4,
  I5: checkI5,
  I6: checkI6,
  I7: checkI7,
}
