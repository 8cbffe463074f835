import { collect } from 'push-registry'
import type { Registry } from 'push-registry'
import { createRegistry } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { refusesDevice, refusingStorage } from '../support/refusing-storage.js'
import { allApps, d, fcm, h, session, testClock } from './harness.js'

const registryOn = (storage: ReturnType<typeof createMemoryStorage>): Registry =>
  createRegistry({ apps: allApps as never, storage, clock: testClock(d(1)) })

/** `size` Android sessions on devices of their own; the one at `poisonAt` is on the refused device. */
const batch = (size: number, poisonAt: number) =>
  Array.from({ length: size }, (_, i) =>
    session({ at: h(1), app: 'android', device: i === poisonAt ? 'poison' : `d${i}`, user: `u${i % 7}`, token: fcm(`t${i}`), os: '14' }),
  )

const stateOf = async (registry: Registry) => ({
  registrations: await collect(registry.registrations()),
  targets: await collect(registry.targets({ appId: 'android', kind: 'alert' })),
  profile: await registry.profile('u3'),
})

describe('inputs the store refuses on their own merits (S3, I11)', () => {
  for (const [size, poisonAt] of [
    [1000, 0],
    [1000, 999],
    [3000, 1500],
  ] as const) {
    it(`S3, I11: in ${size} inputs, the one at ${poisonAt} the store refuses is rejected at its path; the other ${size - 1} are applied`, async () => {
      const storage = refusingStorage({ record: refusesDevice('poison') })
      const inputs = batch(size, poisonAt)
      const report = await registryOn(storage).ingest(inputs)
      expect(report).toEqual({
        accepted: size - 1,
        late: 0,
        rejected: [{ index: poisonAt, issues: [{ path: `inputs[${poisonAt}]`, rule: 'S3', message: expect.stringContaining("the test store's limit") }] }],
      })
      const without = registryOn(createMemoryStorage())
      expect((await without.ingest(inputs.filter((_, i) => i !== poisonAt))).rejected).toEqual([])
      expect(await stateOf(registryOn(storage))).toEqual(await stateOf(without))
      // Isolating one input costs a commit per level of halving and its sibling, not one per input.
      expect(storage.commits()).toBeLessThanOrEqual(Math.ceil(size / 1000) + 2 * Math.ceil(Math.log2(1000)))
    })
  }

  it('S3, I11: a single input the store refuses is rejected at path input and changes nothing', async () => {
    const storage = refusingStorage({ record: refusesDevice('poison') })
    const registry = registryOn(storage)
    const rejected: number[] = []
    registry.on('input.rejected', (event) => rejected.push(event.index))
    const report = await registry.ingest(batch(1, 0)[0])
    expect(report).toEqual({ accepted: 0, rejected: [{ index: 0, issues: [expect.objectContaining({ path: 'input', rule: 'S3' })] }], late: 0 })
    expect(rejected).toEqual([0])
    expect(await collect(registry.registrations())).toEqual([])
  })

  it('S3: rejections by validation and by the store come back together, in index order', async () => {
    const inputs: unknown[] = batch(6, 4)
    inputs[1] = { type: 'session_started' }
    const report = await registryOn(refusingStorage({ record: refusesDevice('poison') })).ingest(inputs)
    expect(report.accepted).toBe(4)
    expect(report.rejected.map((r) => [r.index, r.issues[0]?.path])).toEqual([
      [1, 'inputs[1].at'],
      [4, 'inputs[4]'],
    ])
  })

  it('a store that refuses commits too large for it gets the whole batch in smaller commits, nothing rejected', async () => {
    const storage = refusingStorage({ maxWrites: 40 })
    const inputs = batch(1000, -1)
    expect(await registryOn(storage).ingest(inputs)).toEqual({ accepted: 1000, rejected: [], late: 0 })
    const all = registryOn(createMemoryStorage())
    await all.ingest(inputs)
    expect(await stateOf(registryOn(storage))).toEqual(await stateOf(all))
  })
})
