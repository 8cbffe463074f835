import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { redact, tokenKey } from 'push-registry'

/** Whether `shown` holds 5 or more consecutive characters of `secret` (S2 allows its last 4). */
const leaks = (shown: string, secret: string): boolean => {
  for (let i = 0; i + 5 <= secret.length; i++) if (shown.includes(secret.slice(i, i + 5))) return true
  return false
}

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
  })

  it('S2: an endpoint with user info is masked whole: its user info never shows, nor a host smuggled after an @', () => {
    expect(redact('https://user:secret@push.example.com/abc')).not.toContain('secret')
    expect(redact('https://user:secret@push.example.com/abc')).not.toContain('user')
    expect(redact('https://push.example.com@SECRETSECRETSECRET/abc')).not.toContain('ECRETS')
  })

  it('S2: short values are masked entirely rather than mostly shown', () => {
    expect(redact('short-token')).not.toContain('short')
  })
})

describe('redact of hostile endpoint spellings (S2)', () => {
  const secret = 'SECRETdGhlLXN1YnNjcmlwdGlvbi1pZA'

  it('S2: a backslash endpoint shows the parsed host, not the path as its host', () => {
    const shown = redact(`https://fcm.googleapis.com\\fcm\\send\\${secret}`)
    expect(shown).toBe(`fcm.googleapis.com/…${secret.slice(-4)}`)
  })

  it('S2: no secret path segment appears in the redacted form of any spelling', () => {
    for (const spelling of [
      `https://fcm.googleapis.com\\fcm\\send\\${secret}`,
      `https://fcm.googleapis.com\\${secret}\\x`,
      `https://fcm.googleapis.com/fcm/send/${secret}`,
      `https://FCM.googleapis.com:443\\${secret}`,
      `https://fcm.googleapis.com?${secret}`,
      `https://fcm.googleapis.com#${secret}`,
      `https://${secret}@fcm.googleapis.com/x`,
      `https://fcm.googleapis.com%5C${secret}`,
      `https:fcm.googleapis.com/${secret}`,
      `https:\\\\fcm.googleapis.com\\${secret}`,
      `https://fcm.googleapis.com/\t${secret}`,
      `HTTPS://fcm.googleapis.com\\${secret}`,
      `https://[${secret}`,
      `https:///${secret}`,
      `https://\\${secret}`,
      `https://@${secret}/x`,
      `https://\t/${secret}`,
      `https://fcm.googleapis.com@${secret}/x`,
      `https:\t//${secret}`,
      `https:/\t/${secret}`,
    ]) {
      for (const token of [spelling, { endpoint: spelling, keys: { p256dh: 'p', auth: 'a' } }]) {
        const shown = redact(token)
        expect(leaks(shown, secret), `${JSON.stringify(spelling)} → ${shown}`).toBe(false)
      }
    }
  })

  it('S2: whatever surrounds a secret in an endpoint, at most its last 4 characters show', () =>
    fc.assert(
      fc.property(
        fc.constantFrom('https://', 'https:', 'https:\\\\', 'HTTPS://', 'https://user:pw@', 'https:///', 'https:/\t/', 'https://\n', 'https://@', 'https://\t'),
        fc.constantFrom('fcm.googleapis.com', 'FCM.googleapis.com:443', 'fcm%2Egoogleapis%2Ecom', 'web.push.apple.com.', '', '\t', 'fcm.googleapis.com\n'),
        // What parses as the host is shown by design; the secret starts after the host ends.
        fc.constantFrom('/', '\\', '?', '#', '@', ':', '%5C'),
        fc.array(fc.constantFrom('/', '\\', '?', '#', '%5C', '%2F', '@', ':', ';', '\t', ' ', 'x'), { maxLength: 4 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{20,60}$/),
        fc.array(fc.constantFrom('/', '\\', '?', '#', 'x'), { maxLength: 3 }),
        (scheme, host, end, before, secretPart, after) => {
          const endpoint = `${scheme}${host}${end}${before.join('')}${secretPart}${after.join('')}`
          // An empty host followed by `//` makes the "secret" the host itself (`https://SECRET`):
          // hosts are shown by design, so such a text says nothing about where secrets leak.
          fc.pre(!parsedHost(endpoint).includes(secretPart.toLowerCase()))
          const shown = redact(endpoint)
          expect(leaks(shown, secretPart), `${JSON.stringify(endpoint)} → ${shown}`).toBe(false)
        },
      ),
      { numRuns: 2000 },
    ))
})

describe('tokenKey (R1, I2)', () => {
  it('R1: a Web Push subscription is the same token as another with the same endpoint and new keys', () => {
    const a = { endpoint: 'https://web.push.apple.com/x', keys: { p256dh: 'a', auth: 'a' } }
    const b = { endpoint: 'https://web.push.apple.com/x', keys: { p256dh: 'b', auth: 'b' } }
    expect(tokenKey(a)).toBe(tokenKey(b))
  })
})

/** The host the WHATWG URL parser reads in a text, `''` when it reads none. */
const parsedHost = (text: string): string => {
  try {
    return new URL(text).hostname
  } catch {
    return ''
  }
}
