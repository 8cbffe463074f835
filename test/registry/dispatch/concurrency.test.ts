import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { apns, h, session } from '../harness.js'
import { scriptedPort } from './scripted-port.js'
import { dispatchSetup } from './support.js'

describe('bounded concurrency', () => {
  it('never has more sends in flight than the bound, and does use it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 30 }), async (concurrency, devices) => {
        const port = scriptedPort('apns', (push) => (push.token === apns('00') ? { status: 503 } : { status: 200 }))
        const { dispatcher, feed } = dispatchSetup({ providers: { ios: port }, dispatcher: { concurrency } })
        await feed(...Array.from({ length: devices }, (_, i) => session({ at: h(1), device: `d${i}`, user: `u${i}`, token: apns(i.toString(16).padStart(2, '0')) })))
        const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: Array.from({ length: devices }, (_, i) => `u${i}`) }, payload: {} })
        expect(report.targeted).toBe(devices)
        expect(port.maxInFlight()).toBe(Math.min(concurrency, devices))
      }),
      { numRuns: 40 },
    )
  })
})
