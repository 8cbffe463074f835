import { createRegistry, fixedClock } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'

/** A dispatch record as release 001 wrote it: the devices that reported, listed. */
const releaseDispatch = {
  kind: 'dispatch',
  appId: 'ios',
  dispatchId: 'spring-sale',
  delivered: [],
  ambiguous: [],
  received: ['d1', 'd2'],
  opened: ['d1'],
}

const report = (deviceId: string, event: 'received' | 'opened') => ({
  type: 'delivery_reported',
  at: '2026-03-01T00:00:00Z',
  appId: 'ios',
  deviceId,
  dispatchId: 'spring-sale',
  event,
})

describe('records written by release 001', () => {
  it('D14: a dispatch that listed its devices reads as counts, and a listed device that reports again is still counted once', async () => {
    const storage = createMemoryStorage()
    expect(await storage.commit([{ record: releaseDispatch as never, expectedVersion: 0 }])).toEqual({ ok: true })
    const registry = createRegistry({ apps: [{ appId: 'ios', name: 'Shop', platform: 'ios' }], storage, clock: fixedClock(Date.parse('2026-03-02T00:00:00Z') as never) })
    const stats = () => registry.dispatchStats({ appId: 'ios', dispatchId: 'spring-sale' })
    expect(await stats()).toMatchObject({ received: 2, opened: 1 })
    await registry.ingest([report('d1', 'received'), report('d2', 'opened'), report('d3', 'received'), report('d1', 'opened')])
    expect(await stats()).toMatchObject({ received: 3, opened: 2 })
    // Rewritten once in today's shape, with a mark per device it listed.
    const [stored] = await storage.read([{ kind: 'dispatch', appId: 'ios' as never, dispatchId: 'spring-sale' as never }])
    expect(stored?.record).toMatchObject({ received: 3, opened: 2 })
    await registry.ingest([report('d2', 'received'), report('d3', 'received')])
    expect(await stats()).toMatchObject({ received: 3, opened: 2 })
  })
})
