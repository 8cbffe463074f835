import { generateKeyPairSync, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createProviderTokenSource } from '../../adapters/apns/provider-token.js'
import { replyOf, retryAfterSeconds } from '../../adapters/apns/read-reply.js'

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
const key = { teamId: 'TEAM123456', keyId: 'KEY1234567', privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
const minute = 60_000

const source = (start: number) => {
  let now = start
  const lines: string[] = []
  const tokens = createProviderTokenSource(key, { now: () => now }, 50 * minute, (line) => lines.push(line))
  return { tokens, lines, advance: (ms: number) => (now += ms) }
}

describe('the provider token (ES256 JWT)', () => {
  it('is header {alg ES256, kid}, claims {iss, iat in s}, signed r‖s (64 bytes) with the team key', () => {
    const { tokens } = source(Date.UTC(2026, 10, 23, 9, 0, 0, 750))
    const [header = '', claims = '', signature = ''] = tokens.current().split('.')
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'ES256', kid: 'KEY1234567' })
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({ iss: 'TEAM123456', iat: Date.UTC(2026, 10, 23, 9, 0, 0) / 1000 })
    const raw = Buffer.from(signature, 'base64url')
    expect(raw).toHaveLength(64)
    expect(verify('sha256', Buffer.from(`${header}.${claims}`), { key: pair.publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true)
  })

  it('is cached below the refresh age, re-minted at it, and re-minted when the clock goes back', () => {
    const { tokens, advance } = source(Date.UTC(2026, 10, 23, 9))
    const first = tokens.current()
    advance(50 * minute - 1)
    expect(tokens.current()).toBe(first)
    advance(1)
    const second = tokens.current()
    expect(second).not.toBe(first)
    advance(-5 * minute)
    expect(tokens.current()).not.toBe(second)
    expect(tokens.mints()).toBe(3)
  })

  it('§4 ExpiredProviderToken: renew(stale) mints once for every request that failed with the same token', () => {
    const { tokens, lines } = source(Date.UTC(2026, 10, 23, 9))
    const stale = tokens.current()
    const renewed = Array.from({ length: 100 }, () => tokens.renew(stale))
    expect(new Set(renewed).size).toBe(1)
    expect(renewed[0]).not.toBe(stale)
    expect(tokens.mints()).toBe(2)
    expect(lines.every((line) => !line.includes('PRIVATE'))).toBe(true)
  })
})

describe('reading an APNs answer', () => {
  it('R17: takes reason and the 410 timestamp (ms) from the JSON body', () => {
    expect(replyOf(410, Buffer.from('{"reason":"Unregistered","timestamp":1763900000123}'), undefined, 0)).toEqual({
      status: 410,
      reason: 'Unregistered',
      timestamp: 1_763_900_000_123,
    })
  })

  it('a body that is not JSON leaves the reason out instead of failing', () => {
    expect(replyOf(502, Buffer.from('<html>bad gateway</html>'), undefined, 0)).toEqual({ status: 502 })
  })

  it('retry-after in seconds or as an HTTP date, relative to the clock', () => {
    expect(retryAfterSeconds('120', 0)).toBe(120)
    expect(retryAfterSeconds('Mon, 23 Nov 2026 09:00:30 GMT', Date.UTC(2026, 10, 23, 9, 0, 0))).toBe(30)
    expect(retryAfterSeconds('soon', 0)).toBeUndefined()
  })
})
