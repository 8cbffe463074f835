import { describe, expect, it } from 'vitest'
import { redact, tokenKey } from 'push-registry'

describe('redact (S2)', () => {
  it('S2: shows the first 6 and last 4 characters of a token', () => {
    const token = 'abcdef0123456789abcdef0123456789wxyz'
    const shown = redact(token)
    expect(shown.startsWith('abcdef')).toBe(true)
    expect(shown.endsWith('wxyz')).toBe(true)
    expect(shown).not.toContain('0123456789')
    expect(shown.length).toBeLessThan(token.length)
  })

  it('S2: a Web Push subscription is redacted through its endpoint, never showing its keys', () => {
    const shown = redact({ endpoint: 'https://fcm.googleapis.com/fcm/send/secret-part-XYZW', keys: { p256dh: 'P256', auth: 'AUTH' } })
    expect(shown).toBe('fcm.googleapis.com/…XYZW')
  })

  it('S2: a Web Push endpoint with a short path shows only its host', () => {
    expect(redact('https://push.example.com/abc')).toBe('push.example.com/…')
    expect(redact('https://user:secret@push.example.com/abc')).toBe('push.example.com/…')
  })

  it('S2: short values are masked entirely rather than mostly shown', () => {
    expect(redact('short-token')).not.toContain('short')
  })
})

describe('tokenKey (R1, I2)', () => {
  it('R1: a Web Push subscription is the same token as another with the same endpoint and new keys', () => {
    const a = { endpoint: 'https://web.push.apple.com/x', keys: { p256dh: 'a', auth: 'a' } }
    const b = { endpoint: 'https://web.push.apple.com/x', keys: { p256dh: 'b', auth: 'b' } }
    expect(tokenKey(a)).toBe(tokenKey(b))
  })
})
