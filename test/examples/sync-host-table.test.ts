import { createRegistry } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import type { CursorStore, HostTables } from '../../examples/sync-host-table.js'
import { applyChange, mirror } from '../../examples/sync-host-table.js'
import { allApps, answer, apns, h, login, session, subscriptionSet } from '../registry/harness.js'

const tables = (): HostTables => ({ devices: new Map(), subscriptions: new Map() })
const memoryCursor = (): CursorStore & { value: string | undefined } => {
  const store = { value: undefined as string | undefined, load: () => store.value, save: (c: string) => (store.value = c) }
  return store
}

describe('examples/sync-host-table.ts: a host table synced from the feed', () => {
  it('a sync that crashes after any change and resumes from its saved cursor ends where one uninterrupted replay does', async () => {
    const registry = createRegistry({ apps: allApps as never, storage: createMemoryStorage() })
    const inputs = [
      session({ at: h(1), device: 'd1', user: 'kim', token: apns('a1') }),
      session({ at: h(2), device: 'd2', user: 'léa', token: apns('b2') }),
      login({ at: h(3), device: 'd1', user: 'léa' }),
      subscriptionSet({ at: h(4), user: 'kim', state: 'unsubscribed' }),
      answer({ at: h(5), token: apns('b2'), status: 410, reason: 'Unregistered' }),
      session({ at: h(6), device: 'd2', token: apns('c3') }),
    ]
    for (const input of inputs) await registry.ingest(input)
    const replay = tables()
    let total = 0
    for await (const change of registry.changes()) {
      applyChange(replay, change)
      total++
    }
    expect(total).toBeGreaterThan(4)
    for (let crashAt = 1; crashAt <= total; crashAt++) {
      const host = tables()
      const cursor = memoryCursor()
      await expect(mirror(registry, host, cursor, crashAt)).rejects.toThrow(/crashed/)
      await mirror(registry, host, cursor)
      expect([...host.devices], `crash after change ${crashAt}`).toEqual([...replay.devices])
      expect([...host.subscriptions]).toEqual([...replay.subscriptions])
    }
    expect(replay.devices.get('ios/d2')).toMatchObject({ owner: 'léa', status: 'active' })
  })
})
