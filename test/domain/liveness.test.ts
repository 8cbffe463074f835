import { describe, expect, it } from 'vitest'
import type { App, Instant, TokenKey, TokenState } from 'push-registry'
import { defaultStaleness, resolvePolicy } from 'push-registry'
import type { Staleness } from 'push-registry'
import { expiresAt, isLiveAt, isStaleAt, pushRegisteredFor } from '../../src/domain/liveness.js'

/** The token as a query at `now` sees it: `null` when not usable, else whether it is stale. */
const liveAt = (token: TokenState, staleness: Staleness, now: Instant): { stale: boolean } | null =>
  isLiveAt(token, staleness, now) ? { stale: isStaleAt(token, staleness, now) } : null

const day = 86_400_000
const reportedAt = 1_767_225_600_000 as Instant
const after = (days: number, extraMs = 0): Instant => (reportedAt + days * day + extraMs) as Instant

const active: TokenState = {
  status: 'active',
  token: 'token-value-0123456789',
  key: 'token-value-0123456789' as TokenKey,
  capability: 'foreground',
  reportedAt,
}

describe('isLiveAt, isStaleAt (R19, D7)', () => {
  it('R19: defaults are 30 days to stale; FCM expires after 270 days, Web Push after 60, APNs never', () => {
    expect(defaultStaleness('fcm')).toEqual({ staleAfter: 30 * day, expireAfter: 270 * day })
    expect(defaultStaleness('webpush')).toEqual({ staleAfter: 30 * day, expireAfter: 60 * day })
    expect(defaultStaleness('apns')).toEqual({ staleAfter: 30 * day, expireAfter: null })
  })

  it('D7: a token not seen for more than staleAfter is flagged stale and stays live (a target)', () => {
    const staleness = defaultStaleness('apns')
    expect(liveAt(active, staleness, after(30))?.stale).toBe(false)
    expect(liveAt(active, staleness, after(30, 1))?.stale).toBe(true)
    expect(liveAt(active, staleness, after(31))).not.toBeNull()
  })

  it('R19, D7: an FCM token expires after 270 days without any purge', () => {
    const staleness = defaultStaleness('fcm')
    expect(liveAt(active, staleness, after(270))).not.toBeNull()
    expect(liveAt(active, staleness, after(270, 1))).toBeNull()
    expect(expiresAt(active, staleness)).toBe(after(270))
  })

  it('R19, D7: a Web Push token expires after 60 days', () => {
    const staleness = defaultStaleness('webpush')
    expect(liveAt(active, staleness, after(60))).not.toBeNull()
    expect(liveAt(active, staleness, after(61))).toBeNull()
  })

  it('R19: an APNs token never expires by default, only goes stale', () => {
    const staleness = defaultStaleness('apns')
    expect(liveAt(active, staleness, after(3650))?.stale).toBe(true)
    expect(expiresAt(active, staleness)).toBeNull()
  })

  it('R19: the policy overrides staleAfter and expireAfter per app', () => {
    const app: App = { appId: 'ios' as App['appId'], name: 'iOS', platform: 'ios' }
    const policy = resolvePolicy(app, { staleAfter: 2 * day, expireAfter: 10 * day })
    expect(liveAt(active, policy.staleness, after(3))?.stale).toBe(true)
    expect(liveAt(active, policy.staleness, after(11))).toBeNull()
    const never = resolvePolicy({ ...app, platform: 'android' }, { expireAfter: null })
    expect(liveAt(active, never.staleness, after(1000))).not.toBeNull()
  })

  it('I6, D6: suspect, ended and absent tokens are never live', () => {
    const staleness = defaultStaleness('apns')
    const base = { token: active.token, key: active.key, reportedAt }
    expect(liveAt({ status: 'none' }, staleness, after(0))).toBeNull()
    expect(liveAt({ status: 'suspect', ...base, since: after(0) }, staleness, after(0))).toBeNull()
    expect(liveAt({ status: 'ended', ...base, reason: 'dead', endedAt: after(0) }, staleness, after(0))).toBeNull()
  })

  it('R25: the profile label follows the live capability', () => {
    expect(pushRegisteredFor('MyApp', { capability: 'foreground' })).toBe('Foreground: MyApp')
    expect(pushRegisteredFor('MyApp', { capability: 'provisional' })).toBe('Foreground: MyApp')
    expect(pushRegisteredFor('MyApp', { capability: 'background' })).toBe('Background: MyApp')
    expect(pushRegisteredFor('MyApp', null)).toBe('--')
  })
})

describe('resolvePolicy (R10, R12, R18)', () => {
  it('R10, R12, R18, D14: defaults are exclusive ownership, opt-in on authorisation, 3 confirmations, an alike threshold of 2, a 30-day reorder window', () => {
    const policy = resolvePolicy({ appId: 'a' as App['appId'], name: 'a', platform: 'android' })
    expect(policy).toEqual({
      ownership: 'exclusive',
      optInWhenPushAuthorized: true,
      staleness: { staleAfter: 30 * day, expireAfter: 270 * day },
      suspectConfirmations: 3,
      reorderWindow: 30 * day,
      ambiguousAlikeThreshold: 2,
    })
  })
  it('R19: an app with its own provider takes that provider’s staleness', () => {
    const policy = resolvePolicy({ appId: 'a' as App['appId'], name: 'a', platform: 'web', provider: 'fcm' })
    expect(policy.staleness.expireAfter).toBe(270 * day)
  })
})
