import type { Provider } from '../../domain/app.js'
import type { AppId, DispatchId, Instant } from '../../domain/brand.js'
import type { ProviderAnswer } from '../../domain/input.js'
import type { PushToken } from '../../domain/token.js'
import { tokenKey } from '../../domain/token.js'
import { isStorableText } from '../../codecs/primitives.js'
import type { ProviderReply } from '../../ports/provider.js'

/**
 * A provider reply made fit for the boundary (S3): a status that is not an HTTP status counts
 * as "no HTTP answer" (0), text is cut to the codec's limits and dropped when it cannot be
 * stored, a timestamp that is not a plausible epoch time is dropped. The dispatcher classifies
 * this cleaned reply, so what it reports is exactly what the registry will conclude.
 */
export const cleanReply = (reply: ProviderReply): ProviderReply => {
  const status = Number.isInteger(reply.status) && reply.status >= 0 && reply.status <= 599 ? reply.status : 0
  const reason = cleanText(reply.reason, 256)
  const detail = cleanText(reply.detail, 4096)
  const timestamp =
    reply.timestamp !== undefined && Number.isInteger(reply.timestamp) && reply.timestamp >= 0 && reply.timestamp <= 8.64e15
      ? reply.timestamp
      : undefined
  return {
    status,
    ...(reason === undefined ? {} : { reason }),
    ...(detail === undefined ? {} : { detail }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(reply.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: reply.retryAfterSeconds }),
  }
}

const cleanText = (text: unknown, max: number): string | undefined => {
  if (typeof text !== 'string' || text.length === 0) return undefined
  const cut = text.length > max ? text.slice(0, max) : text
  return isStorableText(cut) ? cut : undefined
}

/** What a `provider_answer` input is made of, before it is written for `ingest`. */
export interface AnswerFacts {
  readonly appId: AppId
  readonly token: PushToken
  readonly provider: Provider
  readonly reply: ProviderReply
  readonly dispatchId: DispatchId
  readonly at: number
}

/** The answer as the domain sees it, for the classifier and R17's evidence time. */
export const domainAnswer = (facts: AnswerFacts): ProviderAnswer => ({
  type: 'provider_answer',
  at: facts.at as Instant,
  appId: facts.appId,
  token: facts.token,
  provider: facts.provider,
  status: facts.reply.status,
  ...(facts.reply.reason === undefined ? {} : { reason: facts.reply.reason }),
  ...(facts.reply.detail === undefined ? {} : { detail: facts.reply.detail }),
  ...(facts.reply.timestamp === undefined ? {} : { timestamp: facts.reply.timestamp }),
  dispatchId: facts.dispatchId,
})

/** The `provider_answer` input (vectors format) that feeds one final answer back (R15–R18). */
export const answerInput = (answer: ProviderAnswer): Record<string, unknown> => ({
  ...answer,
  at: new Date(answer.at).toISOString(),
})

/**
 * S2: the provider's reason when it is a plain identifier (`BadDeviceToken`, `UNREGISTERED`)
 * that shares no text with the token it answered; provider text is echoed nowhere else.
 */
export const loggableReason = (reason: string | undefined, token: PushToken): string | undefined => {
  if (reason === undefined || !/^[A-Za-z_]{1,64}$/.test(reason)) return undefined
  const key = tokenKey(token)
  return key.includes(reason) || reason.includes(key) ? undefined : reason
}
