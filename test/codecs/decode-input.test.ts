import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { App, AppId, Issue } from 'push-registry'
import { createRegistry, defaultLimits } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { decodeInput } from '../../src/codecs/decode-input.js'
import { inputCodecs } from '../../src/codecs/inputs.js'

const apps: readonly App[] = [
  { appId: 'ios' as AppId, name: 'iOS', platform: 'ios' },
  { appId: 'android' as AppId, name: 'Android', platform: 'android' },
  { appId: 'web' as AppId, name: 'Web', platform: 'web' },
]
const codecs = inputCodecs(defaultLimits)
const decode = (u: unknown) => decodeInput(codecs, (id) => apps.find((a) => a.appId === id), u, 'inputs[2]')

const issuesOf = (u: unknown): readonly Issue[] => {
  const decoded = decode(u)
  if (E.isRight(decoded)) throw new Error(`expected a rejection of ${JSON.stringify(u)}`)
  return decoded.left
}
const accepts = (u: unknown): void => {
  const decoded = decode(u)
  expect(E.isRight(decoded), JSON.stringify(E.isLeft(decoded) ? decoded.left : null)).toBe(true)
}
const expectIssue = (u: unknown, path: string, rule: string): void => {
  const issues = issuesOf(u)
  expect(issues.map((i) => `${i.path} ${i.rule}`)).toContain(`${path} ${rule}`)
}

const at = '2026-01-01T00:00:00.000Z'
const hex = (length: number): string => 'ab'.repeat(Math.ceil(length / 2)).slice(0, length)
const ios = { type: 'session_started', at, appId: 'ios', deviceId: 'd1', permission: 'granted' }
const subscription = { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'p', auth: 'a' } }

describe('decodeInput: shapes and limits (S3)', () => {
  it('S3: a value that is not an input object is rejected at the input path', () => {
    for (const u of [null, 42, 'session_started', [], undefined]) expectIssue(u, 'inputs[2]', 'S3')
  })

  it('S3: an unknown type is rejected at .type', () => {
    expectIssue({ ...ios, type: 'nope' }, 'inputs[2].type', 'S3')
    expectIssue({ ...ios, type: 'toString' }, 'inputs[2].type', 'S3')
    expectIssue({ ...ios, type: '__proto__' }, 'inputs[2].type', 'S3')
  })

  it('S3: a missing required field is named by its path', () => {
    const { deviceId: _omit, ...rest } = ios
    expectIssue(rest, 'inputs[2].deviceId', 'S3')
  })

  it('S3: ids are 1 to 256 characters', () => {
    expectIssue({ ...ios, deviceId: '' }, 'inputs[2].deviceId', 'S3')
    expectIssue({ ...ios, deviceId: 'x'.repeat(257) }, 'inputs[2].deviceId', 'S3')
    expectIssue({ ...ios, userId: 'x'.repeat(257) }, 'inputs[2].userId', 'S3')
    accepts({ ...ios, deviceId: 'x'.repeat(256) })
  })

  it('S3: a token string is at most 4,096 characters', () => {
    const android = { ...ios, appId: 'android' }
    accepts({ ...android, token: 'x'.repeat(4096) })
    expectIssue({ ...android, token: 'x'.repeat(4097) }, 'inputs[2].token', 'S3')
  })

  it('S3: a Web Push endpoint is at most 4,096 characters', () => {
    const long = `https://fcm.googleapis.com/${'x'.repeat(4100)}`
    expectIssue({ ...ios, appId: 'web', token: { ...subscription, endpoint: long } }, 'inputs[2].token.endpoint', 'S3')
  })

  it('S3: an input naming an app the registry was not configured with is rejected at .appId', () => {
    expectIssue({ ...ios, appId: 'other' }, 'inputs[2].appId', 'S3')
  })

  it('R20: at must be an ISO-8601 date-time with a zone', () => {
    expectIssue({ ...ios, at: '2026-01-01' }, 'inputs[2].at', 'R20')
    expectIssue({ ...ios, at: '2026-01-01T00:00:00' }, 'inputs[2].at', 'R20')
    expectIssue({ ...ios, at: '2026-13-45T00:00:00Z' }, 'inputs[2].at', 'R20')
    expectIssue({ ...ios, at: 1767225600000 }, 'inputs[2].at', 'R20')
    accepts({ ...ios, at: '2026-01-01T01:00:00+01:00' })
  })

  it('S3: enumerations list what they accept', () => {
    expectIssue({ ...ios, permission: 'maybe' }, 'inputs[2].permission', 'S3')
    expectIssue({ type: 'subscription_set', at, userId: 'u1', state: 'gone' }, 'inputs[2].state', 'R11')
  })

  it('S3: a provider status is an integer from 0 to 599', () => {
    const base = { type: 'provider_answer', at, appId: 'android', token: 'tok', provider: 'fcm' }
    accepts({ ...base, status: 404 })
    expectIssue({ ...base, status: 600 }, 'inputs[2].status', 'S3')
    expectIssue({ ...base, status: 4.5 }, 'inputs[2].status', 'S3')
    expectIssue({ ...base, status: '404' }, 'inputs[2].status', 'S3')
  })

  it('S2: issues never echo the value they reject', () => {
    const secret = 'SECRET-TOKEN-VALUE'.repeat(300)
    const issues = issuesOf({ ...ios, appId: 'android', token: secret })
    expect(JSON.stringify(issues)).not.toContain('SECRET-TOKEN-VALUE')
  })
})

describe('decodeInput: what only the app knows (D5, D13, S1, S4)', () => {
  it('D13: an APNs token is a hex string of even length, 32 to 200 characters', () => {
    accepts({ ...ios, token: hex(32) })
    accepts({ ...ios, token: hex(200) })
    accepts({ ...ios, token: hex(64).toUpperCase() })
    expectIssue({ ...ios, token: hex(30) }, 'inputs[2].token', 'D13')
    expectIssue({ ...ios, token: hex(202) }, 'inputs[2].token', 'D13')
    expectIssue({ ...ios, token: hex(33) }, 'inputs[2].token', 'D13')
    expectIssue({ ...ios, token: `${hex(62)}zz` }, 'inputs[2].token', 'D13')
  })

  it('D13: an FCM token on Android is an opaque string, not checked as hex', () => {
    accepts({ ...ios, appId: 'android', token: 'dGhpcyBpcyBub3QgaGV4:APA91b' })
  })

  it('S1: a web token must be a Web Push subscription, not a string', () => {
    expectIssue({ ...ios, appId: 'web', token: hex(64) }, 'inputs[2].token', 'S1')
  })

  it('S3: a mobile token must be a string, not a Web Push subscription', () => {
    expectIssue({ ...ios, appId: 'android', token: subscription }, 'inputs[2].token', 'S3')
  })

  it('S1: a Web Push endpoint off the allow-list is rejected at .token.endpoint', () => {
    expectIssue({ ...ios, appId: 'web', token: { ...subscription, endpoint: 'https://evil.example/x' } }, 'inputs[2].token.endpoint', 'S1')
    expectIssue({ ...ios, appId: 'web', token: { ...subscription, endpoint: 'http://fcm.googleapis.com/x' } }, 'inputs[2].token.endpoint', 'S1')
  })

  it('S3: a Web Push subscription needs both keys', () => {
    expectIssue({ ...ios, appId: 'web', token: { endpoint: subscription.endpoint, keys: { p256dh: 'p' } } }, 'inputs[2].token.keys.auth', 'S3')
  })

  it('D5: a web report carrying a token with any permission but granted is rejected at .permission', () => {
    for (const permission of ['denied', 'not_determined', 'provisional']) {
      expectIssue({ ...ios, appId: 'web', token: subscription, permission }, 'inputs[2].permission', 'D5')
      expectIssue({ ...ios, type: 'token_reported', appId: 'web', token: subscription, permission }, 'inputs[2].permission', 'D5')
    }
    accepts({ ...ios, appId: 'web', token: subscription, permission: 'granted' })
  })

  it('D5: a web report without a token may carry any permission', () => {
    accepts({ ...ios, appId: 'web', permission: 'denied' })
  })

  it('S4: apnsEnvironment is accepted on iOS only', () => {
    accepts({ ...ios, token: hex(64), apnsEnvironment: 'sandbox' })
    accepts({ ...ios, type: 'token_reported', token: hex(64), apnsEnvironment: 'production' })
    expectIssue({ ...ios, appId: 'android', token: 'tok', apnsEnvironment: 'sandbox' }, 'inputs[2].apnsEnvironment', 'S4')
    expectIssue({ ...ios, token: hex(64), apnsEnvironment: 'staging' }, 'inputs[2].apnsEnvironment', 'S4')
  })

  it('S3: inputs that name no app (users, contacts) are decoded without an app check', () => {
    accepts({ type: 'subscription_set', at, userId: 'u1', state: 'unsubscribed' })
    accepts({ type: 'user_attributes', at, userId: 'u1', email: 'a@b.c', phone: null })
  })

  it('S3: prototype-polluting keys neither pass as fields nor pollute Object.prototype', () => {
    const raw = JSON.parse(`{"type":"user_changed","at":"${at}","appId":"ios","deviceId":"d1","userId":"u1","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`) as unknown
    const decoded = decode(raw)
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    if (E.isRight(decoded)) expect(Object.keys(decoded.right).sort()).toEqual(['appId', 'at', 'deviceId', 'type', 'userId'])
  })
})

describe('text every store can keep (S3)', () => {
  it('S3: a NUL or an unpaired surrogate in an id, a token or an endpoint is rejected, naming the field', async () => {
    const registry = createRegistry({
      apps: [
        { appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' },
        { appId: 'android', name: 'MyApp (Android)', platform: 'android' },
        { appId: 'web', name: 'MyApp (Web)', platform: 'web' },
      ],
      storage: createMemoryStorage(),
    })
    const base = { type: 'session_started', at: '2026-01-01T00:00:00.000Z', permission: 'granted' }
    const report = await registry.ingest([
      { ...base, appId: 'ios', deviceId: 'a\u0000b' },
      { ...base, appId: 'android', deviceId: 'd1', token: 'fcm-\uD800-token' },
      { ...base, appId: 'web', deviceId: 'd2', token: { endpoint: 'https://fcm.googleapis.com/fcm/send/\u0000', keys: { p256dh: 'p', auth: 'a' } } },
      { ...base, appId: 'android', deviceId: 'd3', token: 'fcm-\uD83D\uDE00-token' },
    ])
    expect(report.accepted).toBe(1)
    expect(report.rejected.map((r) => r.issues.map((i) => `${i.path} ${i.rule}`))).toEqual([
      ['inputs[0].deviceId S3'],
      ['inputs[1].token S3'],
      ['inputs[2].token.endpoint S3'],
    ])
  })
})
