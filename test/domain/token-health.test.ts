import { describe, expect, it } from 'vitest'
import type { Instant } from '../../src/domain/brand.js'
import { withSend, sendRunsKept } from '../../src/domain/dispatch-sends.js'
import type { DispatchRecord } from '../../src/domain/records.js'
import type { CountedGroup } from '../../src/domain/token-health.js'
import { dailyIncrementsOf, dailySeries, dateOf, dayOf, healthBounds, healthStatusOf, registrationHealth } from '../../src/domain/token-health.js'

const day = 86_400_000
const now = Date.parse('2026-03-01T12:00:00.000Z') as Instant
const fcm = { staleAfter: 30 * day, expireAfter: 270 * day }
const apns = { staleAfter: 30 * day, expireAfter: null }

const group = (status: CountedGroup['status'], band: number, capability: CountedGroup['capability'] = status === 'active' ? 'foreground' : null): CountedGroup => ({ status, capability, band, count: 1 })

describe('token-health bounds and statuses (R19, D7)', () => {
  it('R19: bounds are now − expireAfter and now − staleAfter, ascending; none for expiry when tokens never expire', () => {
    expect(healthBounds(fcm, now)).toEqual({ bounds: [now - 270 * day, now - 30 * day], expiredBefore: now - 270 * day, staleBefore: now - 30 * day })
    expect(healthBounds(apns, now)).toEqual({ bounds: [now - 30 * day], expiredBefore: null, staleBefore: now - 30 * day })
    // A policy whose tokens expire before they go stale, and one where both coincide.
    expect(healthBounds({ staleAfter: 10 * day, expireAfter: 5 * day }, now).bounds).toEqual([now - 10 * day, now - 5 * day])
    expect(healthBounds({ staleAfter: 5 * day, expireAfter: 5 * day }, now).bounds).toEqual([now - 5 * day])
  })

  it('R19, D7: an active token is active, stale, then expired as its band falls behind the bounds; a suspect one expires too', () => {
    const b = healthBounds(fcm, now)
    expect([2, 1, 0].map((band) => healthStatusOf(group('active', band), b))).toEqual(['active', 'stale', 'expired'])
    expect([2, 1, 0].map((band) => healthStatusOf(group('suspect', band), b))).toEqual(['suspect', 'suspect', 'expired'])
    expect(healthStatusOf(group('ended', 0), b)).toBe('ended')
    expect(healthStatusOf(group('none', 0), b)).toBe('none')
    const never = healthBounds(apns, now)
    expect([1, 0].map((band) => healthStatusOf(group('active', band), never))).toEqual(['active', 'stale'])
    expect(healthStatusOf(group('suspect', 0), never)).toBe('suspect')
    const early = healthBounds({ staleAfter: 10 * day, expireAfter: 5 * day }, now)
    // bounds [now − 10d, now − 5d]: reported 7 days ago (band 1) has expired already.
    expect([2, 1, 0].map((band) => healthStatusOf(group('active', band), early))).toEqual(['active', 'expired', 'expired'])
  })

  it('R19: the same status as registrations() gives per entry at the bounds themselves (a token reported exactly expireAfter ago is still live)', () => {
    const b = healthBounds(fcm, now)
    // reportedAt = now − 270 d is at the first bound: band 1 (the bound is at or before it).
    expect(healthStatusOf(group('active', 1), b)).toBe('stale')
  })

  it('sums groups by status and capability; only live tokens (active, stale) have one, as registrations() shows them', () => {
    const b = healthBounds(fcm, now)
    const health = registrationHealth(
      [
        { status: 'active', capability: 'foreground', band: 2, count: 5 },
        { status: 'active', capability: 'background', band: 1, count: 2 },
        { status: 'active', capability: 'provisional', band: 0, count: 1 },
        { status: 'suspect', capability: null, band: 2, count: 3 },
        { status: 'ended', capability: null, band: 1, count: 4 },
        { status: 'none', capability: null, band: 0, count: 6 },
      ],
      b,
    )
    expect(health.total).toBe(21)
    expect(health.cells.active).toEqual({ foreground: 5, provisional: 0, background: 0, none: 0 })
    expect(health.cells.stale.background).toBe(2)
    expect(health.cells.expired).toEqual({ foreground: 0, provisional: 0, background: 0, none: 1 })
    expect(health.cells.suspect.none).toBe(3)
    expect(health.cells.ended.none).toBe(4)
    expect(health.cells.none.none).toBe(6)
  })
})

describe('daily counters', () => {
  const change = (at: number, name: string, payload: Record<string, unknown>) => ({ at, change: { name, payload } })

  it('count token.invalidated by reason and token.quarantined as ambiguous, per app and UTC day, summed', () => {
    const t = Date.parse('2026-03-01T23:59:59.999Z')
    const increments = dailyIncrementsOf([
      change(t, 'token.invalidated', { appId: 'ios', reason: 'dead' }),
      change(t, 'token.invalidated', { appId: 'ios', reason: 'dead' }),
      change(t + 1, 'token.invalidated', { appId: 'ios', reason: 'dead' }),
      change(t, 'token.quarantined', { appId: 'web' }),
      change(t, 'token.registered', { appId: 'ios' }),
      change(t, 'subscription.changed', { userId: 'kim' }),
    ])
    expect(increments).toEqual([
      { appId: 'ios', day: dayOf(t), event: 'invalidated', reason: 'dead', count: 2 },
      { appId: 'ios', day: dayOf(t) + 1, event: 'invalidated', reason: 'dead', count: 1 },
      { appId: 'web', day: dayOf(t), event: 'quarantined', reason: 'ambiguous', count: 1 },
    ])
  })

  it('dateOf names the UTC day as Date does, from year 84 to 9909, leap years and centuries included', () => {
    for (let n = -700_000; n <= 2_900_000; n += 997) expect(dateOf(n)).toBe(new Date(n * day).toISOString().slice(0, 10))
  })

  it('ignores what is not a change it counts (no crash on foreign shapes)', () => {
    expect(dailyIncrementsOf([{ at: 0, change: null }, { at: 0, change: 'x' }, { at: 0, change: { name: 'token.invalidated', payload: { appId: 3 } } }])).toEqual([])
  })

  it('the series holds every day of the range, oldest first, zeros included, quarantines as their own series', () => {
    const to = dayOf(now)
    const series = dailySeries(
      [
        { appId: 'ios', day: to, event: 'invalidated', reason: 'dead', count: 2 },
        { appId: 'ios', day: to, event: 'invalidated', reason: 'uninstalled', count: 1 },
        { appId: 'ios', day: to - 2, event: 'quarantined', reason: 'ambiguous', count: 4 },
        { appId: 'ios', day: to - 30, event: 'invalidated', reason: 'dead', count: 9 },
      ] as never,
      to,
      30,
    )
    expect(series).toHaveLength(30)
    expect(series[0]?.date).toBe('2026-01-31')
    expect(series[29]).toEqual({ day: to, date: '2026-03-01', counts: { dead: 2, uninstalled: 1 }, total: 3 })
    expect(series[27]).toMatchObject({ counts: { quarantined: 4 }, total: 4 })
    expect(series.reduce((sum, p) => sum + p.total, 0)).toBe(7)
  })
})

describe('send summaries on a dispatch record (D14)', () => {
  const empty: DispatchRecord = { kind: 'dispatch', appId: 'ios' as never, dispatchId: 'd1' as never, delivered: [], ambiguous: [], received: 0, opened: 0 }
  const summary = (runId: string, finishedAt: number, kind: 'alert' | 'background' = 'alert') => ({
    runId, kind, targeted: 3, sent: 3, delivered: 2, dead: 1, suspect: 0, startedAt: (finishedAt - 10) as Instant, finishedAt: finishedAt as Instant,
  })

  it('D14: a send counts once: the same run id again returns the very same record', () => {
    const once = withSend(empty, summary('r1', 100))
    expect(once.sends).toMatchObject({ runs: 1, sent: 3, delivered: 2, dead: 1, firstAt: 90, lastAt: 100, recent: ['r1'] })
    expect(withSend(once, summary('r1', 100))).toBe(once)
  })

  it('D14: sends under one dispatch id add up; the record keeps at most sendRunsKept run ids; the kind is the latest send\'s', () => {
    let record = empty
    for (let i = 0; i < sendRunsKept + 5; i++) record = withSend(record, summary(`r${i}`, 1000 - i, i === 0 ? 'background' : 'alert'))
    expect(record.sends?.runs).toBe(sendRunsKept + 5)
    expect(record.sends?.sent).toBe(3 * (sendRunsKept + 5))
    expect(record.sends?.recent).toHaveLength(sendRunsKept)
    expect(record.sends?.kind).toBe('background')
    expect(record.sends?.lastAt).toBe(1000)
    expect(record.sends?.firstAt).toBe(1000 - (sendRunsKept + 4) - 10)
  })
})
