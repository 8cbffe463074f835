import http from 'node:http'
import https from 'node:https'

/** An HTTP answer, whatever its status. */
export interface HttpAnswer {
  readonly kind: 'answer'
  readonly status: number
  readonly headers: http.IncomingHttpHeaders
  readonly body: string
}

/** No HTTP answer: the connection failed, was reset, or timed out. */
export interface NetworkFailure {
  readonly kind: 'network'
  /** The socket error's code or a short description; never a token or a credential. */
  readonly cause: string
}

/** One request's outcome; never a throw. */
export type HttpOutcome = HttpAnswer | NetworkFailure

/** One request to make. */
export interface HttpRequest {
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  readonly agent: http.Agent
  readonly timeoutMs: number
}

/** Provider answers are small JSON documents; anything bigger is cut here, not buffered. */
const maxAnswerBytes = 1024 * 1024

/**
 * POSTs one request and reads the whole answer. Total: every failure becomes a
 * `NetworkFailure`, so that the adapter can keep its promise never to throw (ProviderPort).
 */
export const postOnce = (request: HttpRequest): Promise<HttpOutcome> =>
  new Promise((resolve) => {
    let settled = false
    const settle = (outcome: HttpOutcome): void => {
      if (settled) return
      settled = true
      resolve(outcome)
    }
    const transport = request.url.protocol === 'http:' ? http : https
    let req: http.ClientRequest
    try {
      req = transport.request(request.url, {
        method: 'POST',
        agent: request.agent,
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        timeout: request.timeoutMs,
      })
    } catch (error) {
      settle({ kind: 'network', cause: describe(error) })
      return
    }
    req.on('timeout', () => req.destroy(new Error(`no answer within ${request.timeoutMs} ms`)))
    req.on('error', (error) => settle({ kind: 'network', cause: describe(error) }))
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= maxAnswerBytes) chunks.push(chunk)
      })
      res.on('error', (error) => settle({ kind: 'network', cause: describe(error) }))
      // A connection cut mid-answer closes the response without 'end'.
      res.on('close', () => {
        if (!res.complete) settle({ kind: 'network', cause: 'answer cut short' })
      })
      res.on('end', () =>
        settle({
          kind: 'answer',
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
    })
    req.end(request.body)
  })

// Socket errors name hosts and syscalls, never request bodies, so their code and message are
// safe to show (S2); anything that is not an Error is not echoed at all.
const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return 'request failed'
  const code = (error as NodeJS.ErrnoException).code
  return code === undefined ? error.message : `${code}: ${error.message}`
}
