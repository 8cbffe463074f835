import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { parseSegment } from 'push-registry'

describe('parseSegment (R21–R24)', () => {
  it('R21–R24: parses the segment names of the seed', () => {
    expect(parseSegment('foregroundPushEnabledForApp:ios')).toEqual(E.right({ kind: 'foregroundPushEnabledForApp', appId: 'ios' }))
    expect(parseSegment('foregroundPushEnabled')).toEqual(E.right({ kind: 'foregroundPushEnabled' }))
    expect(parseSegment('backgroundOrForegroundPushEnabled')).toEqual(E.right({ kind: 'backgroundOrForegroundPushEnabled' }))
    expect(parseSegment('pushSubscription:opted_in')).toEqual(E.right({ kind: 'pushSubscription', state: 'opted_in' }))
    expect(parseSegment('uninstalled:2026-01-01T00:00:00Z/2026-02-01T00:00:00Z')).toEqual(
      E.right({ kind: 'uninstalled', from: Date.parse('2026-01-01T00:00:00Z'), to: Date.parse('2026-02-01T00:00:00Z') }),
    )
  })
  it('R24: refuses unknown segments and bad arguments', () => {
    for (const bad of ['nope', 'foregroundPushEnabledForApp', 'pushSubscription:maybe', 'uninstalled:yesterday', 'foregroundPushEnabled:ios']) {
      expect(E.isLeft(parseSegment(bad)), bad).toBe(true)
    }
  })
})
