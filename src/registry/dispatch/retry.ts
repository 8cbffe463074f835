/**
 * R16: how transient answers are retried. Exponential backoff with full jitter (each wait is
 * uniform in `[0, min(maxDelayMs, baseDelayMs · 2^(n-1))]`), so that many targets failing at
 * once do not come back in lock-step; a provider's `Retry-After` is a floor under that wait,
 * and so is `quotaDelayMs · 2^(n-1)` after an FCM `QUOTA_EXCEEDED` that came without one.
 */
export interface RetryPolicy {
  /** Sends of one push to one token, the first included. Default 4. */
  readonly maxAttempts: number
  /** The ceiling of the first wait, in ms; it doubles at every retry. Default 500. */
  readonly baseDelayMs: number
  /** The largest ceiling a jittered wait can have, in ms (`Retry-After` may exceed it). Default 30,000. */
  readonly maxDelayMs: number
  /**
   * The total waiting one token may accumulate across its retries, in ms. A retry whose wait
   * would overrun it is not made: the token counts as `transientFailed`. Default 60,000.
   */
  readonly budgetMs: number
  /**
   * The least wait before retrying an FCM `QUOTA_EXCEEDED` answer that came without
   * `Retry-After`, in ms; it doubles at every retry (`quotaDelayMs · 2^(n-1)` before retry n)
   * and may exceed `maxDelayMs`. FCM's ErrorCode reference asks for exponential backoff with a
   * minimum initial delay of one minute when the message rate is exceeded. Default 60,000.
   */
  readonly quotaDelayMs: number
}

/** The defaults of {@link RetryPolicy}. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  budgetMs: 60_000,
  quotaDelayMs: 60_000,
}

/** What to do after a transient answer. */
export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly why: 'attempts' | 'budget' }

/**
 * Whether an answer is FCM's `QUOTA_EXCEEDED` (the project's, a device's or a topic's message
 * rate exceeded), whose retries wait at least `quotaDelayMs` (see {@link RetryPolicy}).
 */
export const isQuotaExceeded = (answer: { readonly provider: string; readonly reason?: string | undefined }): boolean =>
  answer.provider === 'fcm' && answer.reason === 'QUOTA_EXCEEDED'

/**
 * R16, §4 ("honour Retry-After"): whether to send again after the `attempt`-th send answered
 * a transient failure, having already waited `spentMs`, and how long to wait first.
 * `random` answers in `[0, 1)`; it is injected so tests decide the jitter. `quotaExceeded`
 * says the answer was a quota refusal ({@link isQuotaExceeded}): without a `Retry-After`, the
 * wait is then at least `quotaDelayMs · 2^(attempt-1)`; a `Retry-After` the provider sent wins,
 * being its own word on when to come back.
 */
export const planRetry = (
  policy: RetryPolicy,
  attempt: number,
  spentMs: number,
  retryAfterSeconds: number | undefined,
  random: () => number,
  quotaExceeded = false,
): RetryDecision => {
  if (attempt >= policy.maxAttempts) return { retry: false, why: 'attempts' }
  const growth = 2 ** (attempt - 1)
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * growth)
  const jittered = Math.floor(clampUnit(random()) * ceiling)
  const told = retryAfterMs(retryAfterSeconds)
  const floor = told > 0 || !quotaExceeded ? told : policy.quotaDelayMs * growth
  const delayMs = Math.max(jittered, floor)
  if (spentMs + delayMs > policy.budgetMs) return { retry: false, why: 'budget' }
  return { retry: true, delayMs }
}

/** A `Retry-After` the adapter parsed, in ms; nonsense (negative, NaN) counts as none. */
const retryAfterMs = (seconds: number | undefined): number =>
  seconds === undefined || !Number.isFinite(seconds) || seconds <= 0 ? 0 : Math.ceil(seconds * 1000)

/** A host's `random` may be any function: keep the jitter inside the ceiling whatever it answers. */
const clampUnit = (x: number): number => (Number.isFinite(x) ? Math.min(Math.max(x, 0), 1) : 0)

/**
 * Checks a host's retry overrides: every field a finite number, attempts at least 1.
 * Answers the problems found, empty when the policy can work.
 */
export const retryPolicyProblems = (policy: RetryPolicy): string[] => {
  const problems: string[] = []
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) problems.push('retry.maxAttempts must be an integer ≥ 1')
  for (const field of ['baseDelayMs', 'maxDelayMs', 'budgetMs', 'quotaDelayMs'] as const) {
    if (!Number.isFinite(policy[field]) || policy[field] < 0) problems.push(`retry.${field} must be a finite number ≥ 0`)
  }
  return problems
}
