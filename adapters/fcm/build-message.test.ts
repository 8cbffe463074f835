import { describe, expect, it } from 'vitest'
import type { AppId, OutgoingPush } from 'push-registry'
import { buildMessage } from './build-message.js'

const now = Date.parse('2026-11-23T10:00:00Z')
const push = (fields: Partial<OutgoingPush>): OutgoingPush => ({
  appId: 'android' as AppId,
  token: 'fcm-token-0123456789abcdef',
  kind: 'alert',
  payload: {},
  ...fields,
})

const messageOf = (fields: Partial<OutgoingPush>): Record<string, Record<string, unknown>> => {
  const built = buildMessage(push(fields), now)
  if (!built.ok) throw new Error(`not built: ${built.reply.detail ?? ''}`)
  return built.body.message as Record<string, Record<string, unknown>>
}

describe('buildMessage', () => {
  it('expiresAt becomes a TTL relative to now on Android and Web Push, and an absolute apns-expiration', () => {
    const message = messageOf({ expiresAt: now + 90_500 })
    expect(message['android']?.['ttl']).toBe('91s')
    expect((message['apns']?.['headers'] as Record<string, string>)['apns-expiration']).toBe(String(Math.floor((now + 90_500) / 1000)))
    expect(message['webpush']).toEqual({ headers: { TTL: '91' } })
  })

  it('the dispatchId rides in data so the SDK can report delivery for it, without overriding the payload', () => {
    expect(messageOf({ dispatchId: 'd-1', payload: { data: { a: '1' } } })['data']).toEqual({ a: '1', dispatchId: 'd-1' })
    expect(messageOf({ dispatchId: 'd-1', payload: { data: { dispatchId: 'mine' } } })['data']).toEqual({ dispatchId: 'mine' })
    expect(messageOf({})['data']).toBeUndefined()
  })

  it('an expiresAt already past gives a zero TTL, never a negative one', () => {
    expect(messageOf({ expiresAt: now - 10_000 })['android']?.['ttl']).toBe('0s')
  })

  it('a collapseId that is not a valid Web Push Topic is not sent as one (RFC 8030 §5.4)', () => {
    const message = messageOf({ collapseId: 'has spaces and is far too long for a topic header' })
    expect(message['android']?.['collapse_key']).toBe('has spaces and is far too long for a topic header')
    expect(message['webpush']).toBeUndefined()
  })

  it('explicit payload overrides win over alert defaults', () => {
    const message = messageOf({ collapseId: 'c', payload: { android: { priority: 'normal', collapse_key: 'mine' } } })
    expect(message['android']).toEqual({ priority: 'normal', collapse_key: 'mine' })
  })

  it('R27: background forces APNs priority 5 and push type background over the payload', () => {
    const message = messageOf({ kind: 'background', payload: { apns: { headers: { 'apns-push-type': 'alert', 'apns-priority': '10' } } } })
    expect(message['apns']?.['headers']).toEqual({ 'apns-push-type': 'background', 'apns-priority': '5' })
  })

  it('the push token is the only target: token, topic and condition in the payload are dropped', () => {
    const message = messageOf({ payload: { token: 'other', topic: 't', condition: "'a' in topics" } })
    expect(message['token']).toBe('fcm-token-0123456789abcdef')
    expect(message['topic']).toBeUndefined()
    expect(message['condition']).toBeUndefined()
  })

  it('an undefined payload is an empty message, not a refusal', () => {
    expect(buildMessage(push({ payload: undefined }), now).ok).toBe(true)
  })

  it('I10: an array payload is refused with a detail that does not name the token', () => {
    const built = buildMessage(push({ payload: ['x'] }), now)
    expect(built.ok).toBe(false)
    if (!built.ok) expect(built.reply.detail).not.toMatch(/registration token|message\.token/)
  })
})
