import type { IncomingMessage } from 'node:http'
import type { Agent } from 'node:https'
import { request } from 'node:https'
import type { ProviderReply } from 'push-registry'
import { replyOf } from './read-reply.js'

/** Kept of an error body: enough for a reason and a detail, never a flood. */
const maxBodyKept = 8192

/** One request to a push service. */
export interface PushRequest {
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer
  readonly agent: Agent
  readonly timeoutMs: number
  readonly now: () => number
  /** Removes the token from provider text before it enters the reply (S2). */
  readonly scrub: (value: string) => string
}

/**
 * POSTs one push and resolves with what came back; never rejects. A network failure, a reset
 * or a timeout is `{ status: 0, detail: <error code> }`: only the code, since Node's messages
 * name hosts and ports a reply has no use for. `node:https` follows no redirect, so a 3xx is
 * reported as it came (S1).
 */
export const postPush = (push: PushRequest): Promise<ProviderReply> =>
  new Promise<ProviderReply>((resolve) => {
    let settled = false
    const settle = (reply: ProviderReply): void => {
      if (!settled) {
        settled = true
        resolve(reply)
      }
    }
    const failed = (error: unknown): void => settle({ status: 0, detail: networkCode(error) })
    const onAnswer = (res: IncomingMessage): void => {
      const chunks: Buffer[] = []
      let kept = 0
      res.on('data', (chunk: Buffer) => {
        if (kept < maxBodyKept) {
          chunks.push(chunk)
          kept += chunk.length
        }
      })
      res.on('end', () => {
        const text = Buffer.concat(chunks).subarray(0, maxBodyKept).toString('utf8')
        settle(replyOf(res.statusCode ?? 0, res.headers['retry-after'], text, push.now(), push.scrub))
      })
      res.on('error', failed)
    }
    try {
      const req = request(
        {
          method: 'POST',
          hostname: push.url.hostname,
          path: `${push.url.pathname}${push.url.search}`,
          headers: push.headers,
          agent: push.agent,
        },
        onAnswer,
      )
      req.setTimeout(push.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
      req.on('error', failed)
      req.end(push.body)
    } catch (error) {
      // An agent may refuse synchronously (a closed or routing agent): still a network failure.
      failed(error)
    }
  })

const networkCode = (error: unknown): string => {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' ? code : 'network error'
}
