import type { Instant, Profile, Registry, RegistrationSummary, Segment, Target, UserExport } from 'push-registry'
import { collect } from 'push-registry'
import { sortCanonically } from './canonical.js'
import { kitApps, kitEmails, kitPhones, kitUsers } from './universe.js'

/**
 * Everything a host can ask a registry about the kit's universe, in an order that does not
 * depend on the storage's scan order. Two registries are in the same state (I9) iff their
 * snapshots are deep-equal.
 */
export interface Snapshot {
  readonly registrations: readonly RegistrationSummary[]
  /** Members of each segment by name (`foregroundPushEnabledForApp:ios`, …), sorted. */
  readonly segments: Readonly<Record<string, readonly string[]>>
  /** Targets of `alert:<appId>` and `background:<appId>`. */
  readonly targets: Readonly<Record<string, readonly Target[]>>
  /** Profiles of the kit's users, changelogs included; `null` for a user never seen. */
  readonly profiles: Readonly<Record<string, Profile | null>>
  readonly exports: readonly UserExport[]
  /** The streamed export of `backgroundOrForegroundPushEnabled`. */
  readonly streamedExport: readonly UserExport[]
  /** D11: who holds each of the kit's contact addresses. */
  readonly lookups: Readonly<Record<string, string | null>>
}

/** The segments a snapshot asks about, by the names the vectors give them. */
export const kitSegments: Readonly<Record<string, Segment>> = {
  ...Object.fromEntries(
    kitApps.map((app) => [`foregroundPushEnabledForApp:${app.appId}`, { kind: 'foregroundPushEnabledForApp', appId: app.appId } as Segment]),
  ),
  foregroundPushEnabled: { kind: 'foregroundPushEnabled' },
  backgroundOrForegroundPushEnabled: { kind: 'backgroundOrForegroundPushEnabled' },
  'pushSubscription:subscribed': { kind: 'pushSubscription', state: 'subscribed' },
  'pushSubscription:opted_in': { kind: 'pushSubscription', state: 'opted_in' },
  'pushSubscription:unsubscribed': { kind: 'pushSubscription', state: 'unsubscribed' },
  'uninstalled:all-time': { kind: 'uninstalled', from: 0 as Instant, to: 8.64e15 as Instant },
}

const normalExport = (e: UserExport): UserExport => ({ ...e, push_tokens: sortCanonically(e.push_tokens) })

const byUser = (a: UserExport, b: UserExport): number => (a.external_id < b.external_id ? -1 : a.external_id > b.external_id ? 1 : 0)

/** Asks `registry` every question of a {@link Snapshot}. */
export const takeSnapshot = async (registry: Registry): Promise<Snapshot> => {
  const registrations = sortCanonically(await collect(registry.registrations()))
  const segments: Record<string, string[]> = {}
  for (const [name, segment] of Object.entries(kitSegments)) segments[name] = (await collect(registry.segment(segment))).sort()
  const targets: Record<string, Target[]> = {}
  for (const app of kitApps) {
    for (const kind of ['alert', 'background'] as const) {
      targets[`${kind}:${app.appId}`] = sortCanonically(await collect(registry.targets({ appId: app.appId, kind })))
    }
  }
  const profiles: Record<string, Profile | null> = {}
  for (const userId of kitUsers) profiles[userId] = await registry.profile(userId)
  const exports = (await registry.exportUsers(kitUsers)).map(normalExport).sort(byUser)
  const streamedExport: UserExport[] = []
  for await (const e of registry.exportSegment({ kind: 'backgroundOrForegroundPushEnabled' })) streamedExport.push(normalExport(e))
  streamedExport.sort(byUser)
  const lookups: Record<string, string | null> = {}
  for (const email of kitEmails) lookups[`email:${email}`] = await registry.lookup({ email })
  for (const phone of kitPhones) lookups[`phone:${phone}`] = await registry.lookup({ phone })
  return { registrations, segments, targets, profiles, exports, streamedExport, lookups }
}

/**
 * D14: what stays exact whatever the arrival order, even for inputs older than the reorder
 * window: registrations, lookups, the tokens of exports and profiles' Push Registered For lines,
 * uninstalls, background targets and the segment that ignores subscription state (R21).
 * Changelogs and opt-ins (hence subscription states) before the window are appended, not
 * re-derived, and are left out.
 */
export const lastWriterWins = (snapshot: Snapshot) => ({
  registrations: snapshot.registrations,
  lookups: snapshot.lookups,
  targets: Object.fromEntries(Object.entries(snapshot.targets).filter(([name]) => name.startsWith('background:'))),
  segments: Object.fromEntries(
    Object.entries(snapshot.segments).filter(([name]) => name.startsWith('foregroundPushEnabledForApp:') || name.startsWith('uninstalled:')),
  ),
  profiles: Object.fromEntries(
    Object.entries(snapshot.profiles).map(([userId, profile]) => [userId, profile === null ? null : [...profile.devices].map((d) => JSON.stringify(d)).sort()]),
  ),
  exports: snapshot.exports.map(({ push_subscribe: _, ...rest }) => rest),
})
