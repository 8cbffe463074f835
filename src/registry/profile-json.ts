import type { ChangelogEntry } from '../domain/changelog.js'
import type { Profile } from './queries.js'

/** An instant as ISO-8601 in UTC (`2026-01-02T18:00:00.000Z`), the form inputs take and exports give. */
const iso = (at: number): string => new Date(at).toISOString()

/** A {@link Profile} as it travels as JSON: every time in ISO-8601, like the inputs and the R26 export. */
export interface ProfileJson extends Omit<Profile, 'devices' | 'changelog'> {
  readonly devices: readonly (Omit<Profile['devices'][number], 'lastSeenAt'> & { readonly lastSeenAt: string | null })[]
  readonly changelog: readonly (Omit<ChangelogEntry, 'at'> & { readonly at: string })[]
}

/**
 * R25: the profile for a JSON answer (the HTTP API, the CLI). The registry keeps times as
 * epoch milliseconds (`Instant`); people and other systems read them as ISO-8601, the form
 * they wrote them in.
 */
export const profileToJson = (profile: Profile): ProfileJson => ({
  ...profile,
  devices: profile.devices.map((device) => ({ ...device, lastSeenAt: device.lastSeenAt === null ? null : iso(device.lastSeenAt) })),
  changelog: profile.changelog.map((entry) => ({ ...entry, at: iso(entry.at) })),
})
