/**
 * Reads a `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP date, made
 * relative to `now` (ms). Anything else, or a date in the past, gives `undefined`/`0`.
 */
export const parseRetryAfter = (value: string | string[] | undefined, now: number): number | undefined => {
  const text = (Array.isArray(value) ? value[0] : value)?.trim()
  if (text === undefined || text === '') return undefined
  if (/^\d+$/.test(text)) return Number(text)
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, Math.ceil((date - now) / 1000))
}
