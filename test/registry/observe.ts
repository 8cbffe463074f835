import { collect } from 'push-registry'
import type { Registry } from 'push-registry'
import { canonicalKey } from '../../src/domain/order.js'

const segmentNames = [
  { kind: 'foregroundPushEnabledForApp', appId: 'ios' },
  { kind: 'foregroundPushEnabledForApp', appId: 'android' },
  { kind: 'foregroundPushEnabled' },
  { kind: 'backgroundOrForegroundPushEnabled' },
  { kind: 'pushSubscription', state: 'subscribed' },
  { kind: 'pushSubscription', state: 'opted_in' },
  { kind: 'pushSubscription', state: 'unsubscribed' },
] as const

const sorted = <A>(items: readonly A[]): string[] => items.map(canonicalKey).sort()

/**
 * Every query answer of a registry over the small universe of the property tests, as one
 * comparable string: registrations, segments, targets, profiles, exports, changelogs, look-ups.
 */
export const observe = async (registry: Registry, users: readonly string[], appIds: readonly string[]): Promise<string> => {
  const answers: Record<string, unknown> = {}
  answers['registrations'] = sorted(await collect(registry.registrations()))
  for (const segment of segmentNames) answers[canonicalKey(segment)] = sorted(await collect(registry.segment(segment as never)))
  for (const appId of appIds) {
    for (const kind of ['alert', 'background'] as const) answers[`${kind}:${appId}`] = sorted(await collect(registry.targets({ appId, kind })))
  }
  for (const user of users) {
    const profile = await registry.profile(user)
    answers[`profile:${user}`] = profile === null ? null : { ...profile, devices: sorted(profile.devices), changelog: sorted(profile.changelog) }
    answers[`changelog:${user}`] = sorted(await registry.changelog(user))
  }
  answers['exports'] = sorted(await registry.exportUsers(users))
  for (const email of ['a@x.io', 'b@x.io']) answers[`email:${email}`] = await registry.lookup({ email })
  answers['phone'] = await registry.lookup({ phone: '+1555' })
  return canonicalKey(answers)
}
