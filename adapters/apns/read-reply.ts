import type { ProviderReply } from 'push-registry'

/** Kept of an answer body: APNs's are a few dozen bytes; anything longer is not read further. */
export const maxBodyKept = 4096

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * `retry-after` in seconds: a delay in seconds, or an HTTP date taken relative to `nowMs`.
 * APNs does not document the header; it is honoured when present, as for other providers.
 */
export const retryAfterSeconds = (value: string | undefined, nowMs: number): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000))
}

/**
 * The `ProviderReply` of an APNs answer: its status, `reason` from the JSON body
 * (`{"reason":"BadDeviceToken"}`), `timestamp` (ms since the epoch, on a 410: R17's evidence
 * time) and `retryAfterSeconds`. A body that is not the expected JSON leaves `reason` out
 * rather than failing: the classifier treats what it cannot name as transient, never as dead.
 */
export const replyOf = (status: number, body: Buffer | undefined, retryAfter: string | undefined, nowMs: number): ProviderReply => {
  // The common case, a 200 with no body, allocates nothing else.
  if (body === undefined && retryAfter === undefined) return { status }
  let reason: string | undefined
  let timestamp: number | undefined
  if (body !== undefined && body.length > 0) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'))
      if (isObject(parsed)) {
        if (typeof parsed['reason'] === 'string') reason = parsed['reason']
        if (typeof parsed['timestamp'] === 'number' && Number.isFinite(parsed['timestamp'])) timestamp = parsed['timestamp']
      }
    } catch {
      // Not JSON (a proxy's error page): the status alone is the answer.
    }
  }
  const retry = retryAfterSeconds(retryAfter, nowMs)
  return {
    status,
    ...(reason === undefined ? {} : { reason }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(retry === undefined ? {} : { retryAfterSeconds: retry }),
  }
}
