import type { App, AppId, Clock, PolicyOverrides, Registry, StoragePort, WebPushSubscription } from 'push-registry'
import { createRegistry, fixedClock } from 'push-registry'

/**
 * The small world the kit's generated inputs live in. It is small on purpose: with three
 * devices, three users and three tokens per app, random inputs collide on the same device,
 * token and time often enough to exercise rotations, moves (R3), transfers (R7) and ties (R20).
 */

/** One app per platform. iOS and Android share token strings, so R4 (app scoping) is exercised. */
export const kitApps: readonly App[] = [
  { appId: 'ios' as AppId, name: 'Kit (iOS)', platform: 'ios' },
  { appId: 'android' as AppId, name: 'Kit (Android)', platform: 'android' },
  { appId: 'web' as AppId, name: 'Kit (Web)', platform: 'web' },
]

/** Device ids; one holds characters that trip naive key encodings (`:`, `/`, non-ASCII). */
export const kitDevices: readonly string[] = ['phone-1', 'phone-2', 'tablet:ü/3']

/** User ids; one holds characters that trip naive key encodings. */
export const kitUsers: readonly string[] = ['charlie', 'kim', 'léa:2']

/** APNs-shaped hex tokens (D13), also used as FCM tokens of the Android app (R4). */
export const kitHexTokens: readonly string[] = ['a1'.repeat(32), 'b2'.repeat(32), 'c3'.repeat(32)]

/**
 * Web Push subscriptions on allow-listed hosts (S1). The last two share an endpoint with
 * different keys: one token (the endpoint names it), re-issued keys.
 */
export const kitWebTokens: readonly WebPushSubscription[] = [
  { endpoint: 'https://fcm.googleapis.com/fcm/send/kit-1', keys: { p256dh: 'BKitKey1p256dh', auth: 'kitAuth1' } },
  { endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/kit-2', keys: { p256dh: 'BKitKey2p256dh', auth: 'kitAuth2' } },
  { endpoint: 'https://updates.push.services.mozilla.com/wpush/v2/kit-2', keys: { p256dh: 'BKitKey3p256dh', auth: 'kitAuth3' } },
]

/**
 * Input times. Few values, so equal times (R20 ties) are common; the oldest are old enough at
 * {@link kitNow} for FCM tokens to expire (270 days) and Web Push tokens to expire (60 days)
 * or go stale (30 days), so expiry (R19, D7) takes part too.
 */
export const kitTimes: readonly string[] = [
  '2025-03-01T00:00:00.000Z',
  '2025-11-01T00:00:00.000Z',
  '2026-01-01T00:00:00.000Z',
  '2026-01-02T00:00:00.000Z',
  '2026-01-03T00:00:00.000Z',
]

/** The time every query of the kit is answered at. */
export const kitNow: number = Date.parse('2026-01-20T00:00:00.000Z')

/** Dispatch ids of provider answers and delivery reports (D6). */
export const kitDispatches: readonly string[] = ['push-1', 'push-2', 'push-3']

/** Contact addresses of `user_attributes` inputs (D11), shared so that claims collide. */
export const kitEmails: readonly string[] = ['charlie@example.com', 'Shared@Example.com']
/** Phone numbers of `user_attributes` inputs (D11). */
export const kitPhones: readonly string[] = ['+33 6 12 34 56 78', '+33612345679']

const clock: Clock = fixedClock(kitNow)

/**
 * D14: a reorder window longer than the kit's span of times, so that any arrival order gives
 * exactly the same history, changelogs included (I9 in full).
 */
export const kitExactHistory: Readonly<Record<string, PolicyOverrides>> = Object.fromEntries(
  kitApps.map((app) => [app.appId, { reorderWindow: 3650 * 86_400_000 }]),
)

/**
 * A registry over `storage` for the kit's apps, answering at {@link kitNow}, with `policy`
 * (default {@link kitExactHistory}; `{}` gives the apps' defaults, a 30-day reorder window).
 * Registries that race on one store get a large retry budget, since the kit makes them contend
 * on purpose.
 */
export const kitRegistry = (
  storage: StoragePort,
  maxCommitAttempts = 8,
  policy: Readonly<Record<string, PolicyOverrides>> = kitExactHistory,
): Registry => createRegistry({ apps: kitApps, storage, clock, maxCommitAttempts, policy })
