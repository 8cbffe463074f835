import type { ProviderReply } from 'push-registry'

/** Longest `reason`/`detail` kept: they go into logs and into the registry's inputs. */
const maxTextLength = 200

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : typeof value === 'number' ? String(value) : undefined

const clip = (value: string): string => (value.length > maxTextLength ? `${value.slice(0, maxTextLength - 1)}…` : value)

/**
 * The short `reason` and `detail` of an error body. Push services disagree on its shape:
 * Apple answers `{ "reason": "BadJwtToken" }`, Mozilla `{ "errno": 106, "error": "Gone",
 * "message": … }`, Google a JSON `error` object or plain text. Anything unreadable gives no
 * reason and its first characters as detail. `scrub` removes the token from provider text (S2).
 */
export const reasonAndDetail = (
  body: string,
  scrub: (value: string) => string,
): { readonly reason?: string; readonly detail?: string } => {
  const trimmed = body.trim()
  if (trimmed === '') return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(trimmed)
  } catch {
    return { detail: clip(scrub(trimmed)) }
  }
  if (!isRecord(parsed)) return { detail: clip(scrub(trimmed)) }
  const nested = isRecord(parsed['error']) ? parsed['error'] : undefined
  const reason = text(parsed['reason']) ?? text(parsed['error']) ?? text(nested?.['status']) ?? text(parsed['errno'])
  const detail = text(parsed['message']) ?? text(nested?.['message'])
  return {
    ...(reason === undefined ? {} : { reason: clip(scrub(reason)) }),
    ...(detail === undefined ? {} : { detail: clip(scrub(detail)) }),
  }
}

/**
 * RFC 9110 §10.2.3: `Retry-After` is delay-seconds or an HTTP-date; either becomes seconds
 * from `nowMs`. Anything else is ignored rather than guessed.
 */
export const retryAfterSeconds = (header: string | undefined, nowMs: number): number | undefined => {
  if (header === undefined) return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000))
}

/** A reply built from what the push service answered. */
export const replyOf = (
  status: number,
  retryAfter: string | undefined,
  body: string,
  nowMs: number,
  scrub: (value: string) => string,
): ProviderReply => {
  const retry = retryAfterSeconds(retryAfter, nowMs)
  const success = status >= 200 && status <= 299
  return {
    status,
    ...(success ? {} : reasonAndDetail(body, scrub)),
    ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
  }
}
