import { describe, expect, it } from 'vitest'
import type { Permission, Platform } from 'push-registry'
import { capabilityOf } from 'push-registry'

const table = (platform: Platform, osVersion: string | undefined): Record<Permission, string> => ({
  granted: capabilityOf(platform, osVersion, 'granted'),
  provisional: capabilityOf(platform, osVersion, 'provisional'),
  denied: capabilityOf(platform, osVersion, 'denied'),
  not_determined: capabilityOf(platform, osVersion, 'not_determined'),
})

describe('capabilityOf (R5, D4)', () => {
  it('R5: iOS is foreground when granted, provisional when provisional, background otherwise', () => {
    expect(table('ios', '17.2')).toEqual({ granted: 'foreground', provisional: 'provisional', denied: 'background', not_determined: 'background' })
  })

  it('D4: on Android 12 and earlier not_determined means granted (no runtime permission)', () => {
    for (const version of ['12', '12.1', '11', '8.0']) {
      expect(capabilityOf('android', version, 'not_determined'), version).toBe('foreground')
      expect(capabilityOf('android', version, 'granted'), version).toBe('foreground')
    }
  })

  it('R5: Android 12 reporting notifications off is background', () => {
    expect(capabilityOf('android', '12', 'denied')).toBe('background')
  })

  it('R5, D4: Android 13 and later is background until the permission is granted', () => {
    for (const version of ['13', '14', '15.0']) {
      expect(table('android', version), version).toEqual({
        granted: 'foreground',
        provisional: 'background',
        denied: 'background',
        not_determined: 'background',
      })
    }
  })

  it('R5: an Android device that never reported its version gets the stricter Android 13 rule', () => {
    expect(capabilityOf('android', undefined, 'not_determined')).toBe('background')
    expect(capabilityOf('android', 'not-a-version', 'not_determined')).toBe('background')
  })

  it('R5, D5: an active web token is always foreground (web has no background push)', () => {
    expect(table('web', undefined)).toEqual({ granted: 'foreground', provisional: 'foreground', denied: 'foreground', not_determined: 'foreground' })
  })
})
