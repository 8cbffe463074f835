import { describe, expect, it } from 'vitest'
import { defaultLimits } from 'push-registry'
import { endpointProblem } from '../../src/codecs/endpoint.js'

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
