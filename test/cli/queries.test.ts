import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Workspace } from './support.js'
import { androidSession, fcmToken, iosSession, jsonl, parseNdjson, workspace } from './support.js'

// One embedded store for every query: ingested once, then read by separate runs, as an
// operator would (this is also the persistence of --data across runs).
let ws: Workspace
const db = ['--data', 'db']

beforeAll(async () => {
  ws = workspace()
  ws.write(
    'in.jsonl',
    jsonl([
      iosSession(1),
      androidSession(2),
      iosSession(3),
      { type: 'subscription_set', at: '2026-01-01T00:00:01Z', userId: 'u3', state: 'unsubscribed' },
      { type: 'user_attributes', at: '2026-01-01T00:00:02Z', userId: 'u1', email: 'u1@example.com' },
    ]),
  )
  const ingested = await ws.run(['ingest', 'in.jsonl', ...db, '--quiet'])
  expect(ingested.code).toBe(0)
})

afterAll(() => ws.dispose())

describe('push-registry export', () => {
  it('R26: --user writes one export per known user as NDJSON and counts the unknown ones', async () => {
    const result = await ws.run(['export', '--user', 'u1', '--user', 'u2', '--user', 'ghost', '--user', 'u1', ...db, '--now', '2026-01-02T00:00:00Z'])
    expect(result.code).toBe(0)
    const exports = parseNdjson(result.stdout)
    expect(exports).toHaveLength(2)
    expect(exports).toContainEqual({
      external_id: 'u2',
      push_subscribe: 'subscribed',
      push_tokens: [{ app: 'MyApp (Android)', platform: 'android', token: fcmToken(2), device_id: 'a2', notifications_enabled: true }],
    })
    expect(result.stderr).toMatch(/export: 2 users, 1 unknown id\(s\) left out/)
  })

  it('R24, R26: --segment streams the segment members', async () => {
    const result = await ws.run(['export', '--segment', 'pushSubscription:unsubscribed', ...db, '--now', '2026-01-02T00:00:00Z'])
    expect(result.code).toBe(0)
    expect(parseNdjson(result.stdout)).toEqual([expect.objectContaining({ external_id: 'u3', push_subscribe: 'unsubscribed' })])
  })

  it('R19, D7: --now decides what is live; an expired Android token is not exported', async () => {
    const result = await ws.run(['export', '--user', 'u2', ...db, '--now', '2026-03-01T00:00:00Z'])
    expect(parseNdjson(result.stdout)).toEqual([{ external_id: 'u2', push_subscribe: 'subscribed', push_tokens: [] }])
  })
})

describe('push-registry profile', () => {
  it('R25: prints the profile as JSON', async () => {
    const result = await ws.run(['profile', 'u1', ...db, '--now', '2026-01-02T00:00:00Z'])
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({
      userId: 'u1',
      subscription: 'subscribed',
      email: 'u1@example.com',
      devices: [{ appId: 'ios', deviceId: 'd1', pushRegisteredFor: 'Foreground: MyApp (iOS)', stale: false }],
    })
    // Times are ISO-8601, as in the inputs and the export.
    const profile = JSON.parse(result.stdout) as { devices: { lastSeenAt: string }[]; changelog: { at: string }[] }
    for (const at of [profile.devices[0]?.lastSeenAt, ...profile.changelog.map((e) => e.at)]) expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(profile.changelog.length).toBeGreaterThan(0)
  })

  it('an unknown user is exit 4 with a message, nothing on stdout', async () => {
    const result = await ws.run(['profile', 'ghost', ...db])
    expect(result).toMatchObject({ code: 4, stdout: '' })
    expect(result.stderr).toMatch(/no user "ghost" is known/)
  })
})

describe('push-registry purge', () => {
  it('R19, S2: lists the registrations expired at --now with redacted tokens and counts per app', async () => {
    const result = await ws.run(['purge', ...db, '--now', '2026-03-01T00:00:00Z'])
    expect(result.code).toBe(0)
    expect(parseNdjson(result.stdout)).toEqual([{ appId: 'android', deviceId: 'a2', token: 'fcm-2:…xxx2', owners: ['u2'], status: 'expired' }])
    expect(result.stdout + result.stderr).not.toContain(fcmToken(2))
    expect(result.stderr).toMatch(/purge at 2026-03-01T00:00:00\.000Z: 1 expired registration\(s\)\n {2}ios: 0\n {2}android: 1/)
    expect(result.stderr).toMatch(/purge: \d+ change\(s\) older than the feed's retention removed \(D14\)/)
  })

  it('R19: before expireAfter has passed nothing is expired', async () => {
    const result = await ws.run(['purge', ...db, '--now', '2026-01-20T00:00:00Z'])
    expect(result).toMatchObject({ code: 0, stdout: '' })
    expect(result.stderr).toMatch(/0 expired registration\(s\)/)
  })
})
