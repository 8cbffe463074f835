/**
 * Syncing a host's own database from the durable change feed: tail `registry.changes()` into
 * a host table (here a `Map`, in your app a SQL table), save the cursor after each change, and
 * resume from the saved cursor after a crash. Run it with `npm run example:sync`.
 *
 * The feed is at least once: a process that dies after applying a change and before saving
 * its cursor sees that change again. Applying a change here sets state (an owner, a status),
 * so applying it twice is applying it once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Registry, RegistryChange } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'

/** One row of the host's table of devices: what a host typically mirrors. */
export interface HostDevice {
  readonly appId: string
  readonly deviceId: string
  /** Redacted (S2): the feed never carries raw tokens; exports do, where access is scoped. */
  token: string
  owner: string | null
  status: 'active' | 'quarantined' | 'ended'
  endReason?: string
}

/** The host's tables. */
export interface HostTables {
  readonly devices: Map<string, HostDevice>
  readonly subscriptions: Map<string, string>
}

/** Where the host keeps its cursor: a file here, a row next to the tables in your database. */
export interface CursorStore {
  readonly load: () => string | undefined
  readonly save: (cursor: string) => void
}

export const fileCursor = (path: string): CursorStore => ({
  load: () => {
    try {
      return readFileSync(path, 'utf8') || undefined
    } catch {
      return undefined
    }
  },
  save: (cursor) => writeFileSync(path, cursor),
})

/** Applies one change to the host's tables. Idempotent: a change applied twice sets the same state. */
export const applyChange = (tables: HostTables, change: RegistryChange): void => {
  const key = (p: { appId: string; deviceId: string }) => `${p.appId}/${p.deviceId}`
  const device = (p: { appId: string; deviceId: string; token: string; owner: string | null }): HostDevice => {
    const row = tables.devices.get(key(p)) ?? { appId: p.appId, deviceId: p.deviceId, token: p.token, owner: p.owner, status: 'active' }
    tables.devices.set(key(p), row)
    return row
  }
  switch (change.name) {
    case 'token.registered':
      Object.assign(device(change.payload), { token: change.payload.token, owner: change.payload.owner, status: 'active', endReason: undefined })
      return
    case 'token.rotated':
      Object.assign(device(change.payload), { token: change.payload.token, owner: change.payload.owner })
      return
    case 'token.transferred':
      device(change.payload).owner = change.payload.to
      return
    case 'token.quarantined':
      device(change.payload).status = 'quarantined'
      return
    case 'token.invalidated':
      Object.assign(device(change.payload), { status: 'ended', endReason: change.payload.reason, owner: change.payload.owner })
      return
    case 'subscription.changed':
      tables.subscriptions.set(change.payload.userId, change.payload.to)
      return
    case 'user.erased':
      // The user is gone from the registry: remove them from the host's copy too.
      tables.subscriptions.delete(change.payload.userId)
      for (const row of tables.devices.values()) if (row.owner === change.payload.userId) row.owner = null
      return
    case 'token.capability_changed':
    case 'optin.changed':
      return
  }
}

/**
 * Tails the feed from the saved cursor into the tables, saving the cursor after each change.
 * `stopAfter` simulates a crash after that many changes (the cursor of the last one unsaved).
 */
export const mirror = async (registry: Registry, tables: HostTables, cursor: CursorStore, stopAfter = Infinity): Promise<number> => {
  let applied = 0
  const after = cursor.load()
  for await (const change of registry.changes(after === undefined ? {} : { after })) {
    applyChange(tables, change)
    if (++applied >= stopAfter) throw new Error(`crashed after applying ${applied} change(s), before saving the cursor`)
    cursor.save(change.cursor)
  }
  return applied
}

const newTables = (): HostTables => ({ devices: new Map(), subscriptions: new Map() })

const main = async (): Promise<void> => {
  const registry = createRegistry({
    apps: [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }],
    storage: createMemoryStorage(),
    clock: fixedClock(Date.parse('2026-01-10T00:00:00Z')),
  })
  const device = { appId: 'ios', permission: 'granted' } as const
  await registry.ingest([
    { type: 'session_started', at: '2026-01-01T08:00:00Z', ...device, deviceId: 'charlies-iphone', userId: 'charlie', token: 'a1b2c3d4'.repeat(8) },
    { type: 'session_started', at: '2026-01-01T09:00:00Z', ...device, deviceId: 'kims-iphone', userId: 'kim', token: 'e5f6a7b8'.repeat(8) },
  ])
  await registry.ingest({ type: 'user_changed', at: '2026-01-02T10:00:00Z', appId: 'ios', deviceId: 'charlies-iphone', userId: 'kim' })
  await registry.ingest({ type: 'subscription_set', at: '2026-01-02T11:00:00Z', userId: 'charlie', state: 'unsubscribed' })

  const dir = mkdtempSync(join(tmpdir(), 'push-registry-sync-'))
  try {
    const cursor = fileCursor(join(dir, 'cursor'))
    const tables = newTables()
    await mirror(registry, tables, cursor, 2).catch((error: Error) => console.log(`first run: ${error.message}`))
    console.log(`saved cursor: ${cursor.load() ?? '(none)'}`)
    // The table meanwhile changes on the registry's side: another instance could have done it.
    await registry.ingest({ type: 'provider_answer', at: '2026-01-03T00:00:00Z', appId: 'ios', token: 'e5f6a7b8'.repeat(8), provider: 'apns', status: 410, reason: 'Unregistered' })
    console.log(`second run: ${await mirror(registry, tables, cursor)} change(s) applied, resuming after cursor ${cursor.load()}`)
    const replayed = newTables()
    for await (const change of registry.changes()) applyChange(replayed, change)
    console.log('host devices:', [...tables.devices.values()])
    console.log('host subscriptions:', Object.fromEntries(tables.subscriptions))
    console.log(`same as one uninterrupted replay: ${JSON.stringify([...tables.devices]) === JSON.stringify([...replayed.devices])}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await registry.close()
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
