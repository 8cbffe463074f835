import type { AppId, DeviceId, DispatchId, Instant, UserId } from './brand.js'
import type { Provider } from './app.js'
import type { PushToken } from './token.js'

/** The OS notification permission a client reports (R5, D4). */
export type Permission = 'granted' | 'provisional' | 'denied' | 'not_determined'
/** The answer to the OS or browser push prompt (R12). */
export type PromptResult = 'granted' | 'provisional' | 'denied'
/** Per-user subscription state (R11). */
export type SubscriptionState = 'subscribed' | 'opted_in' | 'unsubscribed'
/** APNs environment of a token (S4). */
export type ApnsEnvironment = 'sandbox' | 'production'

interface Timed {
  /** When it happened (R20), not when it arrived. */
  readonly at: Instant
}

interface OnDevice extends Timed {
  readonly appId: AppId
  readonly deviceId: DeviceId
}

/** The SDK's register-and-purge at session start (R2, R5, R6). */
export interface SessionStarted extends OnDevice {
  readonly type: 'session_started'
  readonly userId?: UserId
  readonly token?: PushToken
  readonly permission: Permission
  readonly osVersion?: string
  readonly apnsEnvironment?: ApnsEnvironment
}

/** The same report mid-session: a token arrived or rotated, or the permission changed. */
export interface TokenReported extends OnDevice {
  readonly type: 'token_reported'
  readonly token?: PushToken
  readonly permission: Permission
  /** Not in the vectors' field list; accepted because an OS update can arrive mid-session. */
  readonly osVersion?: string
  readonly apnsEnvironment?: ApnsEnvironment
}

/** The user answered the OS or browser push prompt (R12, D3). */
export interface PromptAnswered extends OnDevice {
  readonly type: 'prompt_answered'
  readonly result: PromptResult
}

/** `changeUser()` on a device (R7). */
export interface UserChanged extends OnDevice {
  readonly type: 'user_changed'
  readonly userId: UserId
}

/** A logout; it detaches an account only in `shared` ownership mode (R10, D8). */
export interface LoggedOut extends OnDevice {
  readonly type: 'logged_out'
  readonly userId: UserId
}

/** Uninstall detected (R14). */
export interface Uninstalled extends OnDevice {
  readonly type: 'uninstalled'
}

/** What a provider answered to one send (§4, R15–R18). */
export interface ProviderAnswer extends Timed {
  readonly type: 'provider_answer'
  readonly appId: AppId
  readonly token: PushToken
  readonly provider: Provider
  /** HTTP status; `0` when no HTTP answer came back (network error). */
  readonly status: number
  readonly reason?: string
  /** The provider's error message, when it says more than `reason` (FCM's detail, §4). */
  readonly detail?: string
  /** APNs `410 Unregistered` evidence time, in ms since the epoch (R17). */
  readonly timestamp?: number
  readonly dispatchId?: DispatchId
}

/** Explicit change of a user's subscription state (R11, R13). */
export interface SubscriptionSet extends Timed {
  readonly type: 'subscription_set'
  readonly userId: UserId
  readonly state: SubscriptionState
}

/** Contact attributes used to look a profile up (D11). `null` clears a field. */
export interface UserAttributes extends Timed {
  readonly type: 'user_attributes'
  readonly userId: UserId
  readonly email?: string | null
  readonly phone?: string | null
}

/** The SDK's delivery statistics for one push; never changes a registration. */
export interface DeliveryReported extends OnDevice {
  readonly type: 'delivery_reported'
  readonly dispatchId: DispatchId
  readonly event: 'received' | 'opened'
}

/**
 * Not an input a client sends: the mark `registry.erase` leaves on a registration where it
 * removed a user (their ids in the facts became `erasedUser`). From its time on, a live token
 * whose owners were all erased ends, with reason `erased`.
 */
export interface UserErased extends OnDevice {
  readonly type: 'user_erased'
}

/** The inputs that are facts about one `(appId, deviceId)` and live on its registration. */
export type DeviceFact =
  | SessionStarted
  | TokenReported
  | PromptAnswered
  | UserChanged
  | LoggedOut
  | Uninstalled
  | UserErased

/** Every input the registry accepts, already decoded and validated. */
export type Input =
  | DeviceFact
  | ProviderAnswer
  | SubscriptionSet
  | UserAttributes
  | DeliveryReported

export type InputType = Input['type']

/** Reports carry the token and permission the OS holds right now (R2, R6). */
export type Report = SessionStarted | TokenReported

export const isReport = (fact: DeviceFact): fact is Report =>
  fact.type === 'session_started' || fact.type === 'token_reported'

export const isDeviceFact = (input: Input): input is DeviceFact =>
  input.type === 'session_started' ||
  input.type === 'token_reported' ||
  input.type === 'prompt_answered' ||
  input.type === 'user_changed' ||
  input.type === 'logged_out' ||
  input.type === 'uninstalled'
