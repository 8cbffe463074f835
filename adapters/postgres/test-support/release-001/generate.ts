// @ts-nocheck: this file is written against release 001's API (its queries answered arrays),
// and runs only on a checkout of that release; today's type-check would hold it to today's API.
/**
 * Writes `fixture.json.gz` (gzipped JSON): the rows release 001 of the PostgreSQL adapter (commit 5efe7a8, the
 * release before migration 002) stored for `fixtureInputs()`, and every answer that release
 * gave on them. `release-001.test.ts` loads the rows into a schema of migration 001, migrates it
 * with today's code and checks that every answer is still the same.
 *
 * It must run on that release's code, not today's (the rows are its record shapes):
 *
 * ```sh
 * git worktree add --detach /tmp/release-001 5efe7a8
 * ln -s "$PWD/node_modules" /tmp/release-001/node_modules
 * mkdir /tmp/release-001/adapters/postgres/test-support/release-001
 * cp adapters/postgres/test-support/release-001/{generate,workload}.ts /tmp/release-001/adapters/postgres/test-support/release-001/
 * (cd /tmp/release-001 && npx tsx adapters/postgres/test-support/release-001/generate.ts) | gzip -9 > adapters/postgres/test-support/release-001/fixture.json.gz
 * git worktree remove --force /tmp/release-001
 * ```
 *
 * The imports below hold in both trees; the types only in the release's.
 */
import { PGlite } from '@electric-sql/pglite'
import { createRegistry, fixedClock, parseSegment } from '../../../../src/index.js'
import { createPostgresStorage, pgliteDriver } from '../../index.js'
import { fixtureApps, fixtureInputs, fixtureNow, fixturePolicy } from './workload.js'

const segmentNames = [
  ...fixtureApps.map((app) => `foregroundPushEnabledForApp:${app.appId}`),
  'foregroundPushEnabled',
  'backgroundOrForegroundPushEnabled',
  'pushSubscription:subscribed',
  'pushSubscription:opted_in',
  'pushSubscription:unsubscribed',
]

const main = async (): Promise<void> => {
  const db = new PGlite()
  const driver = pgliteDriver(db)
  const schema = 'release_001'
  const storage = await createPostgresStorage({ driver, schema, durable: false, sharedAcrossProcesses: false })
  const registry = createRegistry({ apps: fixtureApps as never, policy: fixturePolicy as never, storage, clock: fixedClock(fixtureNow as never) })
  const inputs = fixtureInputs()
  for (let start = 0; start < inputs.length; start += 500) {
    const report = await registry.ingest(inputs.slice(start, start + 500))
    if (report.rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(report.rejected.slice(0, 3))}`)
  }
  const users = [...new Set(inputs.flatMap((i) => ('userId' in (i as object) ? [(i as { userId: string }).userId] : [])))].sort()
  const segments: Record<string, string[]> = {}
  for (const name of segmentNames) {
    const parsed = parseSegment(name)
    if (parsed._tag === 'Left') throw new Error(name)
    segments[name] = [...(await registry.segment(parsed.right))].sort()
  }
  const targets: Record<string, unknown[]> = {}
  for (const app of fixtureApps) {
    for (const kind of ['alert', 'background'] as const) targets[`${kind}:${app.appId}`] = await registry.targets({ appId: app.appId, kind })
  }
  const profiles: Record<string, unknown> = {}
  const changelogs: Record<string, unknown> = {}
  for (const user of users) {
    const profile = await registry.profile(user)
    // The changelog is compared on its own, below.
    profiles[user] = profile === null ? null : { ...profile, changelog: undefined }
    changelogs[user] = await registry.changelog(user)
  }
  const lookups: Record<string, string | null> = {}
  for (let n = 0; n < 40; n++) {
    lookups[`email:person${n}@example.com`] = await registry.lookup({ email: `person${n}@example.com` })
    lookups[`phone:+3361234${String(n).padStart(4, '0')}`] = await registry.lookup({ phone: `+3361234${String(n).padStart(4, '0')}` })
  }
  const { rows } = await driver.query<{ kind: string; scope: string; id: string; version: string; record: unknown }>(
    `SELECT kind, scope, id, version::text AS version, record FROM ${schema}.records ORDER BY seq`,
  )
  const fixture = {
    release: '5efe7a8',
    inputs: inputs.length,
    rows: rows.map((r) => ({ kind: r.kind, scope: r.scope, id: r.id, version: Number(r.version), record: r.record })),
    answers: {
      registrations: await registry.registrations(),
      segments,
      targets,
      profiles,
      changelogs,
      exports: await registry.exportUsers(users),
      lookups,
    },
  }
  process.stdout.write(`${JSON.stringify(fixture)}\n`)
  await registry.close()
  await db.close()
}

await main()
