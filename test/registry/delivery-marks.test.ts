import { describe, expect, it } from 'vitest'
import type { StoragePort } from 'push-registry'
import { createRegistry } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { allApps, delivery, h, testClock } from './harness.js'

const dispatchRow = async (storage: StoragePort): Promise<string> => {
  const [stored] = await storage.read([{ kind: 'dispatch', appId: 'ios' as never, dispatchId: 'promo' as never }])
  return JSON.stringify(stored?.record)
}

const registryOn = (storage: StoragePort) => createRegistry({ apps: allApps as never, storage, clock: testClock(h(10)) })

describe('delivery statistics (D14)', () => {
  it('D14: the dispatch record does not grow with the audience', async () => {
    const storage = createMemoryStorage()
    const registry = registryOn(storage)
    const reports = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => delivery({ at: h(1), device: `d${from + i}`, dispatch: 'promo' }))
    await registry.ingest(reports(0, 10))
    const small = (await dispatchRow(storage)).length
    await registry.ingest(reports(10, 2000))
    // The counter's digits are the only difference (10 → 2000).
    expect((await dispatchRow(storage)).length).toBe(small + 2)
    expect(await registry.dispatchStats({ appId: 'ios', dispatchId: 'promo' })).toMatchObject({ received: 2000, opened: 0 })
  })

  it('D14: each device counts once per dispatch and event, across duplicates and concurrent registries', async () => {
    const storage = createMemoryStorage()
    const first = registryOn(storage)
    const second = registryOn(storage)
    const inputs = Array.from({ length: 300 }, (_, i) =>
      delivery({ at: h(1 + (i % 3)), device: `d${i % 100}`, dispatch: 'promo', event: Math.floor(i / 100) === 1 ? 'opened' : 'received' }),
    )
    // 100 devices, each reporting received twice (i = k, k + 200) and opened once (k + 100).
    await Promise.all([
      first.ingest(inputs),
      second.ingest([...inputs].reverse()),
      ...inputs.slice(0, 50).map((input) => first.ingest(input)),
    ])
    expect(await first.dispatchStats({ appId: 'ios', dispatchId: 'promo' })).toEqual({
      appId: 'ios',
      dispatchId: 'promo',
      received: 100,
      opened: 100,
    })
  })
})
