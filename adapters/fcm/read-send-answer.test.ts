import { describe, expect, it } from 'vitest'
import { redact } from 'push-registry'
import { readSendAnswer } from './read-send-answer.js'
import { parseRetryAfter } from './retry-after.js'

const token = 'dGhpcy1pcy1hLXJlZ2lzdHJhdGlvbi10b2tlbg:APA91bExample'
const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  kind: 'answer' as const,
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

describe('readSendAnswer', () => {
  it('reason falls back to the canonical status when FCM gives no FcmError', () => {
    const reply = readSendAnswer(answer(400, { error: { code: 400, message: 'Request contains an invalid argument.', status: 'INVALID_ARGUMENT' } }), token, 0)
    expect(reply).toEqual({ status: 400, reason: 'INVALID_ARGUMENT', detail: 'Request contains an invalid argument.' })
  })

  it('S2: a token FCM echoes in its message is redacted in detail', () => {
    const reply = readSendAnswer(answer(400, { error: { code: 400, message: `bad token ${token}`, status: 'INVALID_ARGUMENT' } }), token, 0)
    expect(reply.detail).toBe(`bad token ${redact(token)}`)
  })

  it('a success body that is not JSON is still a success', () => {
    expect(readSendAnswer(answer(200, 'ok'), token, 0)).toEqual({ status: 200 })
  })

  it('Retry-After as an HTTP date becomes seconds from now', () => {
    const now = Date.parse('2026-11-23T10:00:00Z')
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:01:30 GMT', now)).toBe(90)
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('120', now)).toBe(120)
  })
})
