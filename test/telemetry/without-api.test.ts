import { describe, expect, it, vi } from 'vitest'
import { createRegistry, fixedClock, telemetryReady } from 'push-registry'
import { createHttpHandler } from 'push-registry/http'
import { createMemoryStorage } from 'push-registry/memory'
import { apnsToken, apps, bothKey, keys, now, session } from '../http/support.js'

// As when the optional peer is not installed: importing it fails.
vi.mock('@opentelemetry/api', () => {
  throw new Error("Cannot find package '@opentelemetry/api'")
})

describe('without @opentelemetry/api (an optional peer dependency)', () => {
  it('the registry and the HTTP handler work, and record nothing', async () => {
    expect(await telemetryReady).toBe(false)
    const clock = fixedClock(now)
    const registry = createRegistry({ apps, storage: createMemoryStorage(), clock })
    const handler = createHttpHandler({ registry, keys, clock })
    const response = await handler.fetch(
      new Request('http://registry.test/v1/inputs', {
        method: 'POST',
        headers: { authorization: `Bearer ${bothKey}`, 'content-type': 'application/json' },
        body: JSON.stringify([session('ios', 'phone-1', 'kim', apnsToken('a')), { type: 'nope' }]),
      }),
    )
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ accepted: 1, rejected: [{ index: 1 }] })
    expect((await registry.profile('kim'))?.devices).toHaveLength(1)
    const rows = []
    for await (const row of registry.exportSegment({ kind: 'foregroundPushEnabled' })) rows.push(row)
    expect(rows).toHaveLength(1)
  })
})
