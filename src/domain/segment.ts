import type { AppId, Instant } from './brand.js'
import type { SubscriptionState } from './input.js'

/** The segments of R21–R24, named as the seed's segment filters. */
export type Segment =
  | { readonly kind: 'foregroundPushEnabledForApp'; readonly appId: AppId }
  | { readonly kind: 'foregroundPushEnabled' }
  | { readonly kind: 'backgroundOrForegroundPushEnabled' }
  | { readonly kind: 'pushSubscription'; readonly state: SubscriptionState }
  | { readonly kind: 'uninstalled'; readonly from: Instant; readonly to: Instant }
