import type { StoragePort } from 'push-registry'
import { collect } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { h, session } from '../harness.js'
import { scriptedPort } from './scripted-port.js'
import { dispatchSetup, outcomeSum } from './support.js'

const devices = 10_000
const tokenOf = (i: number): string => i.toString(16).padStart(64, '0')
const badDeviceToken = { status: 400, reason: 'BadDeviceToken' }

/** A memory store that counts the index queries it answers. */
const countingStore = (): { readonly storage: StoragePort; readonly queries: () => number } => {
  const inner = createMemoryStorage()
  let queries = 0
  const storage: StoragePort = {
    ...inner,
    queryRegistrations: async (query) => {
      queries++
      return (inner.queryRegistrations as NonNullable<StoragePort['queryRegistrations']>)(query)
    },
    queryUsers: async (query) => {
      queries++
      return (inner.queryUsers as NonNullable<StoragePort['queryUsers']>)(query)
    },
  }
  return { storage, queries: () => queries }
}

const populate = async (feed: (...inputs: unknown[]) => Promise<unknown>): Promise<void> => {
  const sessions = Array.from({ length: devices }, (_, i) => session({ at: h(1), device: `dev${i}`, user: `user${i}`, token: tokenOf(i) }))
  for (let start = 0; start < devices; start += 5000) await feed(...sessions.slice(start, start + 5000))
}

describe('a send streams its audience (D14)', () => {
  it('D14, R27: the first push of a 10,000-target send goes out before the targets are read to the end, and every target is sent once', async () => {
    const { storage, queries } = countingStore()
    let queriesAtFirstSend: number | null = null
    const port = scriptedPort('apns', () => {
      queriesAtFirstSend ??= queries()
      return { status: 200 }
    })
    const { dispatcher, feed, clock } = dispatchSetup({ providers: { ios: port }, storage, dispatcher: { concurrency: 8 } })
    await populate(feed)
    clock.set(h(2))
    const before = queries()
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { segment: 'foregroundPushEnabled' }, payload: {} })
    const asked = queries() - before
    expect(report).toMatchObject({ targeted: devices, sent: devices, delivered: devices })
    expect(new Set(port.calls.map((c) => c.token)).size).toBe(devices)
    // One page of targets, the next one asked for ahead, and the membership of the first page's
    // owners: the rest is read as pushes go out.
    expect((queriesAtFirstSend as unknown as number) - before).toBeLessThanOrEqual(3)
    expect(asked).toBeGreaterThan(4)
  })

  it('R18, D14: a send whose 2,500 answers are all ambiguous withholds them all without holding them to the end', async () => {
    const port = scriptedPort('apns', () => badDeviceToken)
    const ingested: number[] = []
    const { dispatcher, feed, clock, registry } = dispatchSetup({ providers: { ios: port }, dispatcher: { concurrency: 16 } })
    await populate(feed)
    clock.set(h(2))
    const original = registry.ingest
    ;(registry as { ingest: typeof registry.ingest }).ingest = async (inputs) => {
      ingested.push(port.calls.length)
      return original(inputs)
    }
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: Array.from({ length: 2500 }, (_, i) => `user${i}`) }, payload: {} })
    expect(report).toMatchObject({ targeted: 2500, suspect: 0, withheld: 2500, credentialStop: { cause: 'ambiguous_alike' } })
    expect(outcomeSum(report)).toBe(2500)
    // Fed back while sending: at most a dispatch record's worth of answers was ever held.
    expect(ingested.length).toBeGreaterThan(0)
    expect(ingested[0]).toBeLessThan(2500)
    // The registry's own R18 verdict over the dispatch's answers agrees: nothing was quarantined.
    const summaries = await collect(registry.registrations('ios'))
    expect(summaries.filter((r) => r.status === 'suspect')).toEqual([])
  })

  it('R18: with the count rule off, ambiguous answers past what a dispatch record names are evidence, as before', async () => {
    const port = scriptedPort('apns', () => badDeviceToken)
    const { dispatcher, feed, clock, registry } = dispatchSetup({ providers: { ios: port }, policy: { ios: { ambiguousAlikeThreshold: null } } })
    await populate(feed)
    clock.set(h(2))
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: Array.from({ length: 1500 }, (_, i) => `user${i}`) }, payload: {} })
    expect(report).toMatchObject({ targeted: 1500, suspect: 1500, withheld: 0 })
    const summaries = await collect(registry.registrations('ios'))
    expect(summaries.filter((r) => r.status === 'suspect')).toHaveLength(1500)
  })
})

describe('registry.segmentMembers', () => {
  it('R21–R24: answers those of a list who are in a segment now, each once, in the order given', async () => {
    const { registry, feed } = dispatchSetup({ providers: {} })
    await feed(
      session({ at: h(1), device: 'd1', user: 'u1', token: tokenOf(1) }),
      session({ at: h(1), device: 'd2', user: 'u2', token: tokenOf(2), permission: 'denied' }),
      { type: 'subscription_set', at: '2026-01-01T02:00:00Z', userId: 'u3', state: 'unsubscribed' },
      session({ at: h(1), device: 'd3', user: 'u3', token: tokenOf(3) }),
    )
    expect(await registry.segmentMembers({ kind: 'foregroundPushEnabled' }, ['u3', 'u1', 'nobody', 'u2', 'u1'])).toEqual(['u1'])
    expect(await registry.segmentMembers({ kind: 'backgroundOrForegroundPushEnabled' }, ['u2', 'u1', 'u3'])).toEqual(['u2', 'u1'])
    expect(await registry.segmentMembers({ kind: 'foregroundPushEnabledForApp', appId: 'ios' as never }, ['u3', 'u1'])).toEqual(['u3', 'u1'])
    expect(await registry.segmentMembers({ kind: 'pushSubscription', state: 'unsubscribed' }, ['u1', 'u3'])).toEqual(['u3'])
    expect(await registry.segmentMembers({ kind: 'foregroundPushEnabled' }, [])).toEqual([])
    // R4, I8: a read scoped to another app sees none of these registrations.
    expect(await registry.segmentMembers({ kind: 'backgroundOrForegroundPushEnabled' }, ['u1', 'u2'], { apps: ['android'] })).toEqual([])
  })
})
