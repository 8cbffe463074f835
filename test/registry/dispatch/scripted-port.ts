import type { OutgoingPush, ProviderPort, ProviderReply } from 'push-registry'
import { tokenKey } from 'push-registry'

/** Answers one send: the push, and how many times this token was sent before (0 first). */
export type Script = (push: OutgoingPush, previousSends: number) => ProviderReply

/** A provider port that answers from a script, and records what it was asked. */
export interface ScriptedPort extends ProviderPort {
  /** Every push, in the order sent. */
  readonly calls: OutgoingPush[]
  /** Every reply, in the order given, with the token key it answered. */
  readonly replies: { readonly key: string; readonly reply: ProviderReply }[]
  /** The most sends that were ever awaiting an answer at once. */
  readonly maxInFlight: () => number
  readonly closed: () => boolean
}

/**
 * A scripted push service. Each answer comes back on a later turn of the event loop
 * (`setImmediate`), so that sends of different workers overlap as they would on a network:
 * that is what lets a test count how many are in flight at once.
 */
export const scriptedPort = (provider: string, script: Script): ScriptedPort => {
  const calls: OutgoingPush[] = []
  const replies: { key: string; reply: ProviderReply }[] = []
  const sends = new Map<string, number>()
  let inFlight = 0
  let max = 0
  let closed = false
  return {
    provider,
    calls,
    replies,
    maxInFlight: () => max,
    closed: () => closed,
    send: async (push) => {
      calls.push(push)
      inFlight++
      max = Math.max(max, inFlight)
      await new Promise<void>((resolve) => setImmediate(resolve))
      const key = tokenKey(push.token)
      const previous = sends.get(key) ?? 0
      sends.set(key, previous + 1)
      const reply = script(push, previous)
      replies.push({ key, reply })
      inFlight--
      return reply
    },
    close: async () => {
      closed = true
    },
  }
}

/** A script that answers per token key, from a table; tokens not in it are delivered. */
export const perToken =
  (table: ReadonlyMap<string, readonly ProviderReply[]>, otherwise: ProviderReply = { status: 200 }): Script =>
  (push, previousSends) => {
    const replies = table.get(tokenKey(push.token))
    if (replies === undefined) return otherwise
    return replies[Math.min(previousSends, replies.length - 1)] ?? otherwise
  }

/** A `sleep` that returns at once and remembers what it was asked to wait. */
export const recordingSleep = () => {
  const waits: number[] = []
  return { waits, sleep: async (ms: number): Promise<void> => void waits.push(ms) }
}
