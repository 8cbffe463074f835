import { describe, expect, it } from 'vitest'
import { apns, delivery, h, session } from '../harness.js'
import { scriptedPort } from './scripted-port.js'
import { dispatchSetup } from './support.js'

describe('delivery statistics reported by the SDK', () => {
  it('report() aggregates received and opened from delivery_reported inputs, each device once', async () => {
    const port = scriptedPort('apns', () => ({ status: 200 }))
    const { dispatcher, feed, registry } = dispatchSetup({ providers: { ios: port } })
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: apns('a1') }),
      session({ at: h(1), device: 'd2', user: 'u2', token: apns('b2') }),
      session({ at: h(1), device: 'd3', user: 'u3', token: apns('c3') }),
    )
    const sent = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: ['u1', 'u2', 'u3'] }, payload: {}, dispatchId: 'promo' })
    expect(sent).toMatchObject({ dispatchId: 'promo', delivered: 3, received: 0, opened: 0 })
    await feed(
      delivery({ at: h(2), device: 'd1', dispatch: 'promo', event: 'received' }),
      delivery({ at: h(2), device: 'd2', dispatch: 'promo', event: 'received' }),
      delivery({ at: h(3), device: 'd2', dispatch: 'promo', event: 'received' }),
      delivery({ at: h(3), device: 'd1', dispatch: 'promo', event: 'opened' }),
      delivery({ at: h(3), device: 'd1', dispatch: 'other', event: 'opened' }),
    )
    expect(await dispatcher.report('ios', 'promo')).toEqual({ ...sent, received: 2, opened: 1 })
    expect(await registry.dispatchStats({ appId: 'ios', dispatchId: 'other' })).toEqual({ appId: 'ios', dispatchId: 'other', received: 0, opened: 1 })
    expect(await dispatcher.report('ios', 'unknown')).toBeNull()
    expect(await registry.dispatchStats({ appId: 'ios', dispatchId: 'unknown' })).toBeNull()
  })

  it('keeps only the last keepReports reports', async () => {
    const port = scriptedPort('apns', () => ({ status: 200 }))
    const { dispatcher } = dispatchSetup({ providers: { ios: port }, dispatcher: { keepReports: 2 } })
    for (const id of ['a', 'b', 'c']) await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: [] }, payload: {}, dispatchId: id })
    expect(await dispatcher.report('ios', 'a')).toBeNull()
    expect(await dispatcher.report('ios', 'c')).toMatchObject({ dispatchId: 'c', targeted: 0 })
  })
})
