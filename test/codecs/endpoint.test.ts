import { parse } from 'node:url'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultLimits } from 'push-registry'
import { canonicalEndpoint, endpointProblem } from '../../src/codecs/endpoint.js'

const allowed = defaultLimits.webPushHosts
const problem = (endpoint: string): string | null => endpointProblem(endpoint, allowed)

describe('endpointProblem (S1, D13)', () => {
  it('S1: accepts https endpoints on every default push service', () => {
    for (const endpoint of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://updates.push.services.mozilla.com/wpush/v2/abc',
      'https://web.push.apple.com/QGx',
      'https://wns2-par02p.notify.windows.com/w/?token=abc',
    ]) {
      expect(problem(endpoint), endpoint).toBeNull()
    }
  })

  it('S1: rejects http endpoints', () => {
    expect(problem('http://fcm.googleapis.com/fcm/send/abc')).not.toBeNull()
  })

  it('S1: rejects hosts off the allow-list, including look-alikes', () => {
    for (const endpoint of [
      'https://evil.example.com/fcm/send/abc',
      'https://fcm.googleapis.com.evil.example/x',
      'https://evilfcm.googleapis.com/x',
      'https://127.0.0.1/x',
      'https://localhost/x',
      'not a url',
    ]) {
      expect(problem(endpoint), endpoint).not.toBeNull()
    }
  })

  it('D13: rejects user info, which could smuggle another host past a naive check', () => {
    expect(problem('https://user@fcm.googleapis.com/x')).not.toBeNull()
    expect(problem('https://user:pass@fcm.googleapis.com/x')).not.toBeNull()
    expect(problem('https://fcm.googleapis.com@evil.example/x')).not.toBeNull()
  })

  it('D13: accepts the default port only', () => {
    expect(problem('https://fcm.googleapis.com:443/x')).toBeNull()
    expect(problem('https://fcm.googleapis.com:8443/x')).not.toBeNull()
  })

  it('D13: compares hosts case-insensitively and without a trailing dot', () => {
    expect(problem('https://FCM.GoogleAPIs.com/x')).toBeNull()
    expect(problem('https://fcm.googleapis.com./x')).toBeNull()
    expect(endpointProblem('https://push.example.org/x', ['Push.Example.ORG.'])).toBeNull()
  })

  it('D13: *.notify.windows.com matches sub-domains only, not notify.windows.com itself', () => {
    expect(problem('https://a.notify.windows.com/x')).toBeNull()
    expect(problem('https://a.b.notify.windows.com/x')).toBeNull()
    expect(problem('https://notify.windows.com/x')).not.toBeNull()
    expect(problem('https://evilnotify.windows.com/x')).not.toBeNull()
    expect(problem('https://.notify.windows.com/x')).not.toBeNull()
  })

  it('S1: the allow-list is configurable', () => {
    expect(endpointProblem('https://push.example.org/x', ['push.example.org'])).toBeNull()
    expect(endpointProblem('https://fcm.googleapis.com/x', ['push.example.org'])).not.toBeNull()
  })
})

describe('canonicalEndpoint (S1, D13, I2)', () => {
  const canonical = (endpoint: string): string | null => {
    const check = canonicalEndpoint(endpoint, allowed)
    return 'endpoint' in check ? check.endpoint : null
  }

  it('I2, D13: every spelling the URL standard resolves to one endpoint has one canonical form', () => {
    for (const spelling of [
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://FCM.GoogleAPIs.com/fcm/send/abc',
      'HTTPS://fcm.googleapis.com/fcm/send/abc',
      'https://fcm.googleapis.com:443/fcm/send/abc',
      'https:fcm.googleapis.com/fcm/send/abc',
      'https:/fcm.googleapis.com/fcm/send/abc',
      'https:\\\\fcm.googleapis.com\\fcm\\send\\abc',
      'https://fcm%2Egoogleapis%2Ecom/fcm/send/abc',
      'https://fcm.googleapis.com./fcm/send/abc',
      'https://fcm.googleapis.com/fcm/send/abc#fragment',
      ' https://fcm.googleapis.com/fcm/send/abc\t',
      'https://fcm.googleapis.com/fcm/./x/../send/abc',
      'https://\uff46\uff43\uff4d.googleapis.com/fcm/send/abc',
    ]) {
      expect(canonical(spelling), JSON.stringify(spelling)).toBe('https://fcm.googleapis.com/fcm/send/abc')
    }
  })

  it('S1: the query is part of the endpoint; the canonical form keeps it', () => {
    expect(canonical('https://wns2-par02p.notify.windows.com/w/?token=abc')).toBe('https://wns2-par02p.notify.windows.com/w/?token=abc')
  })

  it('S1: what is refused has no canonical form, with the reason', () => {
    expect(canonicalEndpoint('https://fcm.googleapis.com@evil.example/x', allowed)).toEqual({ problem: 'must not carry user info' })
    expect(canonicalEndpoint('https://evil.example/x', allowed)).toEqual({ problem: 'must point at an allow-listed push service' })
    expect(canonicalEndpoint('//fcm.googleapis.com/x', allowed)).toEqual({ problem: 'must be an absolute URL' })
  })

  // Hostile spellings of allowed endpoints: mostly accepted, so that the property says something.
  const spelling = fc
    .tuple(
      fc.constantFrom('https:', 'HTTPS:', 'hTtPs:', ' https:'),
      fc.constantFrom('', '/', '//', '\\', '\\\\', '/\\', '//\t', '\\/'),
      fc.constantFrom('', '', '', 'a@', ':@'),
      fc.constantFrom('fcm.googleapis.com', 'FCM.GoogleAPIs.com', 'fcm%2Egoogleapis%2Ecom', 'fcm.googleapis.com.', 'fcm\uff0egoogleapis.com', 'web.push.apple.com', 'a.notify.windows.com', 'fcm.googleapis.com%2Eevil.example', 'evil.example'),
      fc.constantFrom('', '', ':443', ':0443', ':8443'),
      fc.array(fc.constantFrom('/', '\\', 'x', '..', '.', '%2F', '%5C', '@', 'evil.example', '?', '#', '%2E', ' ', '\t', ';', ':', '//', '%40'), { maxLength: 10 }),
    )
    .map(([scheme, sep, userinfo, host, port, path]) => `${scheme}${sep}${userinfo}${host}${port}${path.join('')}`)

  it('S1, I2: whatever the spelling, an accepted endpoint is canonical once: idempotent, on an allowed host for the WHATWG parser and for the legacy url.parse', () =>
    fc.assert(
      fc.property(spelling, (raw) => {
        const once = canonical(raw)
        if (once === null) return
        expect(canonical(once)).toBe(once)
        expect(new URL(once).href).toBe(once)
        const host = new URL(once).hostname
        expect(endpointProblem(`https://${host}/`, allowed)).toBeNull()
        expect(parse(once).hostname).toBe(host)
      }),
      { numRuns: 2000 },
    ))
})
