import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { decodeConfig, DurationC } from '../../src/codecs/config.js'
import { ambiguousKeptPerDispatch } from '../../src/domain/dispatch-verdict.js'

const day = 86_400_000
const duration = (u: unknown): number | null => {
  const decoded = DurationC.decode(u)
  return E.isRight(decoded) ? decoded.right : null
}

describe('DurationC (R19)', () => {
  it('R19: accepts milliseconds, "30d", "270 days", "12h" and ISO-8601 "P270D", "PT12H"', () => {
    expect(duration(5000)).toBe(5000)
    expect(duration('30d')).toBe(30 * day)
    expect(duration('270 days')).toBe(270 * day)
    expect(duration('1 day')).toBe(day)
    expect(duration('12h')).toBe(12 * 3_600_000)
    expect(duration('P270D')).toBe(270 * day)
    expect(duration('PT12H')).toBe(12 * 3_600_000)
    expect(duration('P1DT1H1M1S')).toBe(day + 3_600_000 + 60_000 + 1000)
  })
  it('R19: refuses what is not a duration', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '30 weeks', 'P', 'PT', '', 'soon', '-3d', null, true, {}]) {
      expect(duration(bad), String(bad)).toBeNull()
    }
  })
})

describe('decodeConfig (R4, S3)', () => {
  const app = { appId: 'ios', name: 'iOS', platform: 'ios' }
  const issues = (apps: unknown, policy?: unknown) => {
    const decoded = decodeConfig(apps, policy)
    return E.isLeft(decoded) ? decoded.left.map((i) => `${i.path} ${i.rule}`) : []
  }
  it('R4: at least one app, each configured once', () => {
    expect(issues([])).toEqual(['apps R4'])
    expect(issues(undefined)).toEqual(['apps R4'])
    expect(issues([app, app])).toEqual(['apps[1].appId R4'])
  })
  it('R5: an app has a known platform', () => {
    expect(issues([{ ...app, platform: 'symbian' }])).toEqual(['apps[0].platform R5'])
  })
  it('S3: policy keys are known options of a configured app', () => {
    expect(issues([app], { ios: { ownerShip: 'shared' } })).toContain('policy.ios.ownerShip S3')
    expect(issues([app], { other: {} })).toEqual(['policy.other R4'])
    expect(issues([app], { ios: { ownership: 'both' } })).toEqual(['policy.ios.ownership R10'])
    expect(issues([app], { ios: { expireAfter: 'later' } })).toContain('policy.ios.expireAfter R19')
    expect(issues([app], { ios: { suspectConfirmations: 0 } })).toEqual(['policy.ios.suspectConfirmations R18'])
    expect(issues([app], { ios: { ownership: 'shared', expireAfter: null, staleAfter: '7d' } })).toEqual([])
  })
  it('D14: reorderWindow is a duration per app', () => {
    expect(issues([app], { ios: { reorderWindow: '7d' } })).toEqual([])
    expect(issues([app], { ios: { reorderWindow: -1 } })).toEqual(['policy.ios.reorderWindow D14'])
    const decoded = decodeConfig([app], { ios: { reorderWindow: 'P7D' } })
    expect(E.isRight(decoded) && decoded.right.policy['ios']?.reorderWindow).toBe(7 * 86_400_000)
  })
  it('R18: ambiguousAlikeThreshold is an integer from 1 to ambiguousKeptPerDispatch, or null (off)', () => {
    for (const bad of [0, 1.5, ambiguousKeptPerDispatch + 1, Infinity, '2']) {
      expect(issues([app], { ios: { ambiguousAlikeThreshold: bad } })).toEqual(['policy.ios.ambiguousAlikeThreshold R18'])
    }
    for (const good of [1, 2, ambiguousKeptPerDispatch, null]) expect(issues([app], { ios: { ambiguousAlikeThreshold: good } })).toEqual([])
  })
})
