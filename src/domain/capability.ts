import type { Platform } from './app.js'
import type { Permission } from './input.js'

/**
 * What an active token may receive: `foreground` (visible alerts, and background too),
 * `provisional` (iOS quiet delivery; counts as foreground-enabled), `background` (silent only).
 */
export type Capability = 'foreground' | 'provisional' | 'background'

/**
 * R5, D4: the capability of a token, from the platform, the OS version and the permission the
 * client last reported. Android ≤ 12 has no runtime permission, so `not_determined` there means
 * `granted`; an Android device whose version was never reported is treated as Android ≥ 13,
 * the stricter rule. A web token is always foreground (R5, D5), and `provisional` exists only
 * on iOS.
 */
export const capabilityOf = (
  platform: Platform,
  osVersion: string | undefined,
  permission: Permission,
): Capability => {
  switch (platform) {
    case 'ios':
      return permission === 'granted'
        ? 'foreground'
        : permission === 'provisional'
          ? 'provisional'
          : 'background'
    case 'android':
      if (permission === 'granted') return 'foreground'
      return permission === 'not_determined' && isLegacyAndroid(osVersion)
        ? 'foreground'
        : 'background'
    case 'web':
      // R5: web has no background push. A browser holds a subscription only with permission
      // (D5), and a later report without a token leaves it as it is, whatever it says.
      return 'foreground'
  }
}

/** R5: Android 12 and earlier grant notifications without a runtime prompt. */
export const isLegacyAndroid = (osVersion: string | undefined): boolean => {
  if (osVersion === undefined) return false
  const major = Number.parseInt(osVersion, 10)
  return Number.isFinite(major) && major <= 12
}

/** R21, R22, R27: foreground and provisional tokens may show alerts. */
export const canAlert = (capability: Capability): boolean => capability !== 'background'
