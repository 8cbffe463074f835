/**
 * Issue 10 item 5: a push APNs never processed (refused with REFUSED_STREAM, or above a
 * GOAWAY's last stream id) is safe to send again, and is sent again on new connections until
 * it is processed or `resendBudgetMs` runs out; connections that answer nothing are reopened
 * with a growing backoff. Against a peer that sends GOAWAY every 100 requests the adapter used
 * to re-send such a push once only, and lost most of a large send.
 */
import { collect } from 'push-registry'
import type { AppId, DeviceId, OutgoingPush } from 'push-registry'
import { classifyAnswer, createDispatcher, createRegistry } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { afterEach, describe, expect, it } from 'vitest'
import { adapterBed } from './adapter-bed.js'

const appId = 'ios' as AppId
const topic = 'com.example.charlie'
const alert = { aps: { alert: { title: 'Bonjour', body: 'Kim vous a écrit' } } }
const hexToken = (i: number): string => i.toString(16).padStart(64, '0')
const alertTo = (token: string): OutgoingPush => ({ appId, token, kind: 'alert', payload: alert })
/** Long enough never to run out on a loaded machine: these tests are about loss, not speed. */
const roomyBudgetMs = 10 * 60_000

const { peer, providerFor, closeAll } = adapterBed(topic)
afterEach(closeAll)

describe('R16 transient retries: a push APNs never processed is sent again until it is', () => {
  // On the code before the fix, each of these lost most of its pushes as `status 0, RST_STREAM
  // REFUSED_STREAM` (about 4 in 5 at 1,000 streams, 1 in 4 at 200).
  it.each([
    [4000, 200],
    [1500, 1000],
  ])('R16: %i pushes at %i streams against a peer that sends GOAWAY every 100 requests all answer 200, each processed once', async (count, streams) => {
    const apns = await peer({ record: false, goawayEvery: 100, maxConcurrentStreams: streams })
    const provider = providerFor(apns, { resendBudgetMs: roomyBudgetMs })
    const replies = await Promise.all(Array.from({ length: count }, (_, i) => provider.send(alertTo(hexToken(i)))))
    const failed = replies.filter((r) => r.status !== 200)
    expect(failed.length, JSON.stringify(failed.slice(0, 2))).toBe(0)
    // Refused streams are never answered nor counted: every push was processed exactly once.
    expect(apns.stats.answered).toBe(count)
    expect(apns.stats.goaways).toBeGreaterThanOrEqual(count / 100 - 1)
    expect(apns.stats.requests).toBeGreaterThan(count)
  }, 180_000)

  it('R16: a push refused on every connection is reported transient once resendBudgetMs runs out, in words, and reconnects back off', async () => {
    const apns = await peer({ record: false })
    apns.refuseStreams(true)
    const lines: string[] = []
    const budgetMs = 1000
    const provider = providerFor(apns, { resendBudgetMs: budgetMs, log: (line) => lines.push(line) })
    const replies = await Promise.all([0, 1, 2].map((i) => provider.send(alertTo(hexToken(i)))))
    for (const reply of replies) {
      expect(reply).toMatchObject({ status: 0, reason: 'RefusedUnprocessed' })
      expect(reply.detail).toMatch(/^APNs refused this push unprocessed \d+ time\(s\) over [\d.]+ s .*never delivered and is safe to send again$/)
      expect(classifyAnswer({ provider: 'apns', ...reply })).toEqual({ class: 'transient', recognised: true })
    }
    expect(apns.stats.answered).toBe(0)
    // No reconnect storm: after the first connection that answered nothing, each reconnect waits
    // at least 50 ms, doubling, so within the budget there are at most five (however slow the
    // machine: slowness only means fewer). Without the backoff there were thousands.
    expect(apns.stats.sessions).toBeGreaterThanOrEqual(2)
    expect(apns.stats.sessions).toBeLessThanOrEqual(6)
    expect(lines.some((line) => /answered nothing; reconnecting in \d+ ms/.test(line))).toBe(true)
    // Once the server takes work again, so does the adapter.
    apns.refuseStreams(false)
    expect(await provider.send(alertTo(hexToken(3)))).toEqual({ status: 200 })
  }, 60_000)

  it('R16, R17, D6: through the dispatcher at concurrency 1,000, no push is lost and dead tokens end', async () => {
    const apns = await peer({ goawayEvery: 100 })
    const provider = providerFor(apns, { resendBudgetMs: roomyBudgetMs })
    const now = Date.now()
    const registry = createRegistry({ apps: [{ appId, name: 'MyApp (iOS)', platform: 'ios' }], storage: createMemoryStorage(), clock: { now: () => now } })
    const count = 2000
    const at = new Date(now - 3_600_000).toISOString()
    const inputs = Array.from({ length: count }, (_, i) => ({
      type: 'session_started',
      at,
      appId,
      deviceId: `device-${i}` as DeviceId,
      userId: `user-${i}`,
      token: hexToken(i),
      permission: 'granted',
    }))
    for (let i = 0; i < count; i += 1000) expect((await registry.ingest(inputs.slice(i, i + 1000))).rejected).toEqual([])
    // Every 20th token is gone (410 Unregistered), every 20th + 1 unknown to APNs (400
    // BadDeviceToken: quarantined, then dead since the same dispatch delivered to others, D6).
    const gone = new Set<string>()
    for (let i = 0; i < count; i += 20) {
      apns.script(hexToken(i), [{ status: 410, reason: 'Unregistered', timestamp: now - 60_000 }])
      apns.script(hexToken(i + 1), [{ status: 400, reason: 'BadDeviceToken' }])
      gone.add(hexToken(i)).add(hexToken(i + 1))
    }
    const waits: number[] = []
    const dispatcher = createDispatcher({ registry, providers: { ios: provider }, clock: { now: () => now }, concurrency: 1000, sleep: async (ms) => void waits.push(ms) })
    const report = await dispatcher.send({ appId, kind: 'alert', audience: { segment: 'foregroundPushEnabled' }, payload: alert })
    expect(report).toMatchObject({ targeted: count, delivered: count - gone.size, dead: gone.size / 2, suspect: gone.size / 2, transientFailed: 0, retries: 0 })
    expect(waits).toEqual([])
    const targets = await collect(registry.targets({ appId, kind: 'alert' }))
    expect(targets).toHaveLength(count - gone.size)
    expect(targets.filter((t) => gone.has(t.token as string))).toEqual([])
    expect(apns.stats.answered).toBe(count)
    await registry.close()
  }, 180_000)
})
