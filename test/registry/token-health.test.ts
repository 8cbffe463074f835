import { describe, expect, it } from 'vitest'
import type { Registry, StoragePort } from 'push-registry'
import { collect, createDispatcher, createRegistry, StorageError } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { allApps, answer, apns, d, delivery, fcm, h, session, testClock, uninstall } from './harness.js'
import { scriptedPort } from './dispatch/scripted-port.js'

/** A memory store without the token-health methods: the registry answers with its scan fallbacks. */
const withoutHealthQueries = (): StoragePort => {
  const { countRegistrations: _c, readDailyCounts: _r, recentDispatches: _d, ...plain } = createMemoryStorage()
  return plain
}

const registryOn = (storage: StoragePort, now = d(1)) => {
  const clock = testClock(now)
  const registry = createRegistry({ apps: allApps as never, storage, clock })
  return { registry, clock }
}

const ingestAll = async (registry: Registry, inputs: readonly unknown[]) => {
  const report = await registry.ingest(inputs)
  expect(report.rejected).toEqual([])
}

/** The status × capability counts `registrations()` gives, entry by entry: what the counters must equal. */
const countedOneByOne = async (registry: Registry, appId: string) => {
  const cells: Record<string, number> = {}
  for (const r of await collect(registry.registrations(appId))) {
    const capability = r.capability ?? 'none'
    cells[`${r.status}/${capability}`] = (cells[`${r.status}/${capability}`] ?? 0) + 1
  }
  return cells
}

const nonZero = (health: { registrations: { cells: Record<string, Record<string, number>> } } | null) => {
  const out: Record<string, number> = {}
  for (const [status, row] of Object.entries(health?.registrations.cells ?? {})) {
    for (const [capability, n] of Object.entries(row)) if (n > 0) out[`${status}/${capability}`] = n
  }
  return out
}

const android = (o: Parameters<typeof session>[0]) => session({ ...o, app: 'android' })

const story = [
  android({ at: d(1), device: 'a1', user: 'kim', token: fcm('a1') }),
  android({ at: d(1), device: 'a2', user: 'léa', token: fcm('a2'), permission: 'denied' }),
  android({ at: d(40), device: 'a3', token: fcm('a3') }),
  android({ at: d(100), device: 'a4', user: 'kim', token: fcm('a4') }),
  android({ at: d(100), device: 'a5', token: fcm('a5') }),
  android({ at: d(100), device: 'a6' }),
  uninstall({ at: d(101), app: 'android', device: 'a5' }),
  answer({ at: d(101), app: 'android', token: fcm('a4'), provider: 'fcm', status: 403, reason: 'SENDER_ID_MISMATCH', dispatch: 'p1' }),
]

describe('registry.tokenHealth: registrations by status and capability (R19, D7)', () => {
  it('R19, D7: the counters give, at every now, what registrations() gives entry by entry, with and without the store\'s counters', async () => {
    for (const storage of [createMemoryStorage(), withoutHealthQueries()]) {
      const { registry, clock } = registryOn(storage, d(101))
      await ingestAll(registry, story)
      for (const now of [d(101), d(140), d(290), d(380)]) {
        clock.set(now)
        const health = await registry.tokenHealth('android')
        expect(nonZero(health), now).toEqual(await countedOneByOne(registry, 'android'))
        expect(health?.registrations.total).toBe(6)
      }
      clock.set(d(140))
      // At d140: a1, a3 stale (reported d1, d40), a2 stale and background (denied), a4 suspect (ambiguous), a5 ended, a6 no token.
      expect(nonZero(await registry.tokenHealth('android'))).toEqual({ 'stale/foreground': 2, 'stale/background': 1, 'suspect/none': 1, 'ended/none': 1, 'none/none': 1 })
    }
  })

  it('an app the registry does not serve has no overview', async () => {
    const { registry } = registryOn(createMemoryStorage())
    expect(await registry.tokenHealth('nope')).toBeNull()
  })
})

describe('registry.tokenHealth: invalidations and quarantines per day', () => {
  it('R16, R18: dead answers, uninstalls and quarantines count on the day they were committed, by reason; pruning the feed leaves them', async () => {
    const { registry, clock } = registryOn(createMemoryStorage(), d(1))
    await ingestAll(registry, [session({ at: d(1), device: 'i1', token: apns('a1') }), session({ at: d(1), device: 'i2', token: apns('b2') }), session({ at: d(1), device: 'i3', token: apns('c3') })])
    clock.set(h(24 * 3 + 5))
    await ingestAll(registry, [answer({ at: h(24 * 3 + 5), token: apns('a1'), status: 410, reason: 'Unregistered' }), uninstall({ at: h(24 * 3 + 5), device: 'i2' })])
    clock.set(d(5))
    await ingestAll(registry, [answer({ at: d(5), token: apns('c3'), status: 400, reason: 'BadDeviceToken', dispatch: 'p' })])
    // A duplicate changes nothing, so counts nothing.
    await ingestAll(registry, [answer({ at: h(24 * 3 + 5), token: apns('a1'), status: 410, reason: 'Unregistered' })])
    clock.set(d(20))
    expect(await registry.pruneChanges({ before: Date.parse(d(19)) })).toEqual({ pruned: expect.any(Number) })
    const health = await registry.tokenHealth('ios')
    const nonEmpty = (health?.days ?? []).filter((p) => p.total > 0).map((p) => [p.date, p.counts])
    expect(nonEmpty).toEqual([
      ['2026-01-04', { dead: 1, uninstalled: 1 }],
      ['2026-01-06', { quarantined: 1 }],
    ])
    expect(health?.days).toHaveLength(30)
    expect(health?.days.at(-1)?.date).toBe('2026-01-21')
  })
})

describe('registry.tokenHealth: the last dispatches with their statistics', () => {
  it('the dispatcher records sent, delivered, dead and quarantined when a send ends; delivery reports add received and opened (D14)', async () => {
    const { registry, clock } = registryOn(createMemoryStorage(), d(1))
    await ingestAll(registry, ['d1', 'd2', 'd3', 'd4'].map((device, i) => session({ at: d(1), device, user: `u${i}`, token: apns(`${i}${i}`) })))
    const port = scriptedPort('apns', (push) => (push.token === apns('00') ? { status: 410, reason: 'Unregistered' } : push.token === apns('11') ? { status: 500 } : { status: 200 }))
    let next = 0
    const dispatcher = createDispatcher({ registry, providers: { ios: port }, clock, sleep: async () => undefined, random: () => 0.5, retry: { maxAttempts: 1 }, newDispatchId: () => `campaign-${++next}` })
    const report = await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { segment: 'foregroundPushEnabled' }, payload: {} })
    clock.set(d(2))
    await dispatcher.send({ appId: 'ios', kind: 'background', audience: { userIds: ['u2'] }, payload: {} })
    await ingestAll(registry, [delivery({ at: d(2), device: 'd3', dispatch: 'campaign-1' }), delivery({ at: d(2), device: 'd3', dispatch: 'campaign-1' }), delivery({ at: d(2), device: 'd3', dispatch: 'campaign-1', event: 'opened' })])
    const health = await registry.tokenHealth('ios')
    expect(health?.dispatches.map((x) => x.dispatchId)).toEqual(['campaign-2', 'campaign-1'])
    expect(health?.dispatches[1]).toMatchObject({ kind: 'alert', runs: 1, targeted: report.targeted, sent: report.sent, delivered: report.delivered, dead: report.dead, suspect: report.suspect, received: 1, opened: 1 })
    expect(report).toMatchObject({ targeted: 4, sent: 4, delivered: 2, dead: 1 })
    expect(health?.dispatches[0]).toMatchObject({ kind: 'background', targeted: 1, sent: 1, delivered: 1 })
  })

  it('D14: a summary written again (same run id) counts once; a bad one is refused with issues and changes nothing', async () => {
    const { registry } = registryOn(createMemoryStorage())
    const send = { appId: 'ios', dispatchId: 'x', runId: 'r1', kind: 'alert' as const, targeted: 2, sent: 2, delivered: 1, dead: 1, suspect: 0, startedAt: 1, finishedAt: 2 }
    expect(await registry.recordSend(send)).toEqual({ counted: true, issues: [] })
    expect(await registry.recordSend(send)).toEqual({ counted: false, issues: [] })
    expect(await registry.recordSend({ ...send, runId: 'r2' })).toEqual({ counted: true, issues: [] })
    const bad = await registry.recordSend({ ...send, appId: 'nope', runId: '', sent: -1, finishedAt: Number.NaN } as never)
    expect(bad.counted).toBe(false)
    expect(bad.issues.map((i) => `${i.path} ${i.rule}`)).toEqual(['appId R4', 'runId S3', 'sent S3', 'finishedAt S3'])
    const [only] = (await registry.tokenHealth('ios'))?.dispatches ?? []
    expect(only).toMatchObject({ dispatchId: 'x', runs: 2, sent: 4, delivered: 2, dead: 2 })
  })

  it('D14: a commit that applied but whose answer was lost raises StorageError; writing the summary again counts it once', async () => {
    const memory = createMemoryStorage()
    let loseNext = true
    const flaky: StoragePort = {
      ...memory,
      commit: async (writes, options) => {
        const outcome = await memory.commit(writes, options)
        if (loseNext) {
          loseNext = false
          throw new Error('connection reset after commit')
        }
        return outcome
      },
    }
    const { registry } = registryOn(flaky)
    const send = { appId: 'ios', dispatchId: 'x', runId: 'r1', kind: 'alert' as const, targeted: 1, sent: 1, delivered: 1, dead: 0, suspect: 0, startedAt: 1, finishedAt: 2 }
    await expect(registry.recordSend(send)).rejects.toBeInstanceOf(StorageError)
    expect(await registry.recordSend(send)).toEqual({ counted: false, issues: [] })
    expect((await registry.tokenHealth('ios'))?.dispatches[0]).toMatchObject({ runs: 1, sent: 1 })
  })
})
