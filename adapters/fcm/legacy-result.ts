import type { ProviderReply } from 'push-registry'

/**
 * One entry of the legacy FCM API's `results` array (`POST /fcm/send`, shut down in 2024):
 * the legacy API answered HTTP 200 and told each token's fate here.
 */
export interface LegacyResult {
  readonly message_id?: string
  /** A canonical token that replaces the one sent to; see `fromLegacyResult`. */
  readonly registration_id?: string
  readonly error?: string
}

/**
 * The v1 status each legacy error corresponds to. D12 makes the classifier recognise
 * `NotRegistered`, `InvalidRegistration` and `MismatchSenderId` by reason whatever the
 * status; the other names need the status to land in the same §4 class as their v1 peers.
 */
const legacyStatus: ReadonlyMap<string, number> = new Map([
  ['NotRegistered', 404],
  ['InvalidRegistration', 400],
  ['MismatchSenderId', 403],
  ['MissingRegistration', 400],
  ['InvalidPackageName', 400],
  ['MessageTooBig', 400],
  ['InvalidDataKey', 400],
  ['InvalidTtl', 400],
  ['InvalidParameters', 400],
  ['InvalidApnsCredential', 401],
  ['Unavailable', 503],
  ['InternalServerError', 500],
  ['DeviceMessageRateExceeded', 429],
  ['TopicsMessageRateExceeded', 429],
])

/**
 * Turns a legacy per-token result into a `ProviderReply`, for hosts that still receive legacy
 * answers (a relay, an archive), so that `classifyAnswer` treats them like v1 answers (§4, D12):
 * `{ error: 'NotRegistered' }` → `{ status: 404, reason: 'NotRegistered' }` (dead).
 * An error name this table does not know becomes a 502, which §4 does not list: retried within
 * the budget, then reported, never taken as evidence against the token.
 * A `registration_id` (canonical token) is not carried: the reply has no field for a token and
 * S2 keeps tokens out of `detail`; the host reports the canonical token as a `token_reported`.
 */
export const fromLegacyResult = (result: LegacyResult): ProviderReply => {
  if (result.error === undefined || result.error === '') return { status: 200 }
  const status = legacyStatus.get(result.error)
  return status === undefined
    ? { status: 502, reason: result.error, detail: 'legacy FCM error this adapter does not know' }
    : { status, reason: result.error }
}
