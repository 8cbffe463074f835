import { describe, expect, it } from 'vitest'
import { redact } from 'push-registry'
import { fcm, h, session } from '../harness.js'
import { perToken, scriptedPort } from './scripted-port.js'
import { dispatchSetup } from './support.js'

const names = ['dispatch.started', 'dispatch.answer', 'dispatch.retry', 'dispatch.credentials_stopped', 'dispatch.finished'] as const

describe('S2: no token in events or errors', () => {
  it('S2: event payloads and error messages show tokens redacted, never raw, whatever the provider echoes', async () => {
    const tokens = Array.from({ length: 8 }, (_, i) => fcm(`tok${i}`))
    const letters = 'onlyLettersTokenThatLooksLikeAReason'
    const table = new Map<string, { status: number; reason?: string; detail?: string }[]>([
      [tokens[0]!, [{ status: 404, reason: 'UNREGISTERED' }]],
      [tokens[1]!, [{ status: 400, reason: 'INVALID_ARGUMENT', detail: `The registration token ${tokens[1]} is not a valid FCM registration token` }]],
      [tokens[2]!, [{ status: 503, reason: tokens[2]! }, { status: 200 }]],
      [tokens[3]!, [{ status: 400, reason: tokens[3]! }]],
      [letters, [{ status: 403, reason: letters }]],
    ])
    const port = scriptedPort('fcm', perToken(table))
    const { dispatcher, feed, registry, clock } = dispatchSetup({ providers: { android: port } })
    const all = [...tokens, letters]
    await feed(...all.map((token, i) => session({ at: h(1), app: 'android', device: `d${i}`, user: `u${i}`, token, os: '14' })))
    clock.set(h(2))
    const seen: string[] = []
    for (const name of names) dispatcher.on(name, (e: unknown) => seen.push(JSON.stringify(e)))
    registry.on('token.invalidated', (e) => seen.push(JSON.stringify(e)))
    registry.on('token.quarantined', (e) => seen.push(JSON.stringify(e)))
    const report = await dispatcher.send({ appId: 'android', kind: 'alert', audience: { userIds: all.map((_, i) => `u${i}`) }, payload: {} })
    seen.push(JSON.stringify(report))
    const errors = await Promise.all([
      dispatcher.send({ appId: 'nope', kind: 'alert', audience: { userIds: [] }, payload: {} }).then(() => 'sent', (e: Error) => e.message),
      dispatcher.send({ appId: 'android', kind: 'alert', audience: { segment: tokens[0]! }, payload: {} }).then(() => 'sent', (e: Error) => e.message),
    ])
    seen.push(...errors)
    expect(seen.some((line) => line.includes('"dispatch.') || line.includes('"token"'))).toBe(true)
    for (const token of all) {
      for (const line of seen) expect(line.includes(token), `raw token in ${line}`).toBe(false)
    }
    expect(seen.some((line) => line.includes(redact(tokens[0]!)))).toBe(true)
  })
})
