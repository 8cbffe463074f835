import type { AppId } from './brand.js'

/** The platforms the library knows the rules of (R5). */
export type Platform = 'ios' | 'android' | 'web'

/**
 * The push services the library classifies answers of (§4). The type stays open: a host can
 * name another provider, whose answers are then never taken as evidence (they count as
 * `transient`).
 */
export type Provider = 'apns' | 'fcm' | 'webpush' | (string & {})

/** One application on one platform, as configured by the host (R4). */
export interface App {
  readonly appId: AppId
  /** The name shown in profiles (`Foreground: <name>`, R25) and exports (R26). */
  readonly name: string
  readonly platform: Platform
  /** The push service that delivers to this app; defaults to the platform's own. */
  readonly provider?: Provider
}

/** The provider an app sends through: its own setting, else its platform's service. */
export const providerOf = (app: App): Provider => app.provider ?? defaultProvider[app.platform]

const defaultProvider: Readonly<Record<Platform, Provider>> = {
  ios: 'apns',
  android: 'fcm',
  web: 'webpush',
}
