import type { App, AppId, RegistrationSummary, RegistryRecord } from 'push-registry'
import { collect } from 'push-registry'
import { expect } from 'vitest'
import type { RawInput } from './arbitraries.js'
import { sortCanonically } from './canonical.js'
import { feed } from './feed.js'
import type { ConformanceOptions } from './options.js'
import { withStore } from './options.js'
import { allRecords } from './sample-records.js'
import { kitApps, kitRegistry } from './universe.js'

/**
 * What I8 promises about the apps other than one: their records, and the registrations a
 * registry reads from those records alone. Records without an app (users, contacts) are shared
 * by every app on purpose (R11), and so are the answers that read them: targets (R27 reads
 * the owner's subscription state), segments, profiles and exports. An input of app A may
 * legitimately change those answers for app B (Kim opts in on the web app and her Android
 * alert target comes back), so I8 leaves them to I5, I6 and I9.
 */
export interface OtherApps {
  readonly records: readonly RegistryRecord[]
  readonly registrations: Readonly<Record<string, readonly RegistrationSummary[]>>
}

/** The records of every kit app but `except`, and each such app's registrations, after `inputs`. */
export const otherAppsAfter = (options: ConformanceOptions, inputs: readonly unknown[], except: AppId): Promise<OtherApps> =>
  withStore(options, async (store) => {
    const registry = kitRegistry(store)
    await feed(registry, inputs)
    const records = (await allRecords(store, ['registration', 'token', 'dispatch'])).filter((r) => 'appId' in r && r.appId !== except)
    const registrations: Record<string, RegistrationSummary[]> = {}
    for (const app of kitApps) if (app.appId !== except) registrations[app.appId] = sortCanonically(await collect(registry.registrations(app.appId)))
    return { records, registrations }
  })

/**
 * I8: the other apps end the same whether or not the inputs of `app` were ingested along with
 * theirs. Fails (through vitest's `expect`) with the difference.
 */
export const expectAppIsolation = async (options: ConformanceOptions, inputs: readonly RawInput[], app: App): Promise<void> => {
  const without = inputs.filter((input) => input['appId'] !== app.appId)
  expect(await otherAppsAfter(options, inputs, app.appId)).toEqual(await otherAppsAfter(options, without, app.appId))
}
