import { describe, expect, it } from 'vitest'
import { payloadBytes } from './payload-bytes.js'
import { topicOf, ttlSeconds } from './push-headers.js'
import { reasonAndDetail, retryAfterSeconds } from './read-reply.js'

const now = Date.parse('2026-11-23T10:00:00Z')
const keep = (value: string): string => value

describe('Web Push header values', () => {
  it('TTL rounds up to whole seconds and never goes negative', () => {
    expect(ttlSeconds(now + 1, now, 99)).toBe(1)
    expect(ttlSeconds(now + 60_000, now, 99)).toBe(60)
    expect(ttlSeconds(now - 60_000, now, 99)).toBe(0)
    expect(ttlSeconds(undefined, now, 99)).toBe(99)
  })

  it('Topic: base64url ids up to 32 characters pass as they are; others hash to 32; empty means none', () => {
    expect(topicOf('a'.repeat(32))).toBe('a'.repeat(32))
    const long = topicOf('a'.repeat(33))
    expect(long).toMatch(/^[A-Za-z0-9_-]{32}$/)
    expect(long).not.toBe('a'.repeat(32))
    expect(topicOf('chat:42')).not.toBe(topicOf('chat:43'))
    expect(topicOf('')).toBeUndefined()
    expect(topicOf(undefined)).toBeUndefined()
  })

  it('payloads: strings as UTF-8, bytes as they are, null as no body, values JSON cannot encode refused', () => {
    expect(payloadBytes('é')?.length).toBe(2)
    expect(payloadBytes(null)?.length).toBe(0)
    expect(payloadBytes(new Uint8Array([1, 2, 3]).subarray(1))).toEqual(Buffer.from([2, 3]))
    expect(payloadBytes(() => 1)).toBeUndefined()
    expect(payloadBytes(10n)).toBeUndefined()
    const cycle: Record<string, unknown> = {}
    cycle['self'] = cycle
    expect(payloadBytes(cycle)).toBeUndefined()
  })
})

describe('reading a push service answer', () => {
  it('R16: Retry-After in seconds or as an HTTP-date; garbage is ignored', () => {
    expect(retryAfterSeconds('30', now)).toBe(30)
    expect(retryAfterSeconds(new Date(now + 45_000).toUTCString(), now)).toBe(45)
    expect(retryAfterSeconds(new Date(now - 45_000).toUTCString(), now)).toBe(0)
    expect(retryAfterSeconds('soon', now)).toBeUndefined()
    expect(retryAfterSeconds(undefined, now)).toBeUndefined()
  })

  it('reason and detail from the shapes push services use, clipped to 200 characters', () => {
    expect(reasonAndDetail('{"reason":"BadJwtToken"}', keep)).toEqual({ reason: 'BadJwtToken' })
    expect(reasonAndDetail('{"code":410,"errno":106,"error":"Gone","message":"expired"}', keep)).toEqual({ reason: 'Gone', detail: 'expired' })
    expect(reasonAndDetail('{"error":{"code":404,"status":"NOT_FOUND","message":"gone"}}', keep)).toEqual({ reason: 'NOT_FOUND', detail: 'gone' })
    expect(reasonAndDetail('<html>Bad gateway</html>', keep)).toEqual({ detail: '<html>Bad gateway</html>' })
    expect(reasonAndDetail('', keep)).toEqual({})
    expect(reasonAndDetail('x'.repeat(500), keep).detail?.length).toBe(200)
  })
})
