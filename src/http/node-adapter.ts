import type { IncomingMessage, ServerResponse } from 'node:http'
import { once } from 'node:events'
import { tooLarge } from './http-error.js'

/** What the adapter needs from the handler. */
export interface NodeAdapterDeps {
  readonly fetch: (request: Request) => Promise<Response>
  readonly maxBodyBytes: number
  /** Logs a request answered by the adapter itself (a body over the limit). */
  readonly record: (method: string, label: string, status: number, started: number) => void
}

/**
 * Reads a body of at most `max` bytes; `null` when it holds more. Past the limit, the rest is
 * read and dropped, not buffered, so the client gets to read the 413 instead of a reset.
 */
const readBody = (req: IncomingMessage, max: number): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0')
    const chunks: Buffer[] = []
    let size = 0
    let over = Number.isFinite(declared) && declared > max
    req.on('data', (chunk: Buffer) => {
      if (over) return
      size += chunk.byteLength
      if (size > max) {
        over = true
        chunks.length = 0
      } else chunks.push(chunk)
    })
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)))
    req.on('error', reject)
  })

/** Writes a Fetch `Response` to a node response, streaming the body and honouring back-pressure. */
const writeResponse = async (response: Response, res: ServerResponse): Promise<void> => {
  res.writeHead(response.status, [...response.headers.entries()].flat())
  if (response.body === null) {
    res.end()
    return
  }
  const reader = response.body.getReader()
  try {
    for (;;) {
      if (res.destroyed) return
      const { done, value } = await reader.read()
      if (done) break
      if (!res.write(value)) await Promise.race([once(res, 'drain'), once(res, 'close')])
    }
    res.end()
  } finally {
    // A client that went away mid-stream: stop producing.
    if (res.destroyed) await reader.cancel().catch(() => undefined)
  }
}

const toRequest = (req: IncomingMessage, body: Buffer | null): Request => {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string)
  const method = req.method ?? 'GET'
  return new Request(new URL(req.url ?? '/', 'http://localhost'), {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' || body === null || body.byteLength === 0 ? null : body,
  })
}

/** Adapts the Fetch handler to a `node:http` request listener. */
export const nodeAdapter =
  (deps: NodeAdapterDeps) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const run = async (): Promise<void> => {
      const started = performance.now()
      const body = await readBody(req, deps.maxBodyBytes)
      if (body === null) {
        const response = tooLarge(deps.maxBodyBytes)
        deps.record(req.method ?? '?', '(body)', response.status, started)
        await writeResponse(response, res)
        return
      }
      let request: Request
      try {
        request = toRequest(req, body)
      } catch {
        // A header or URL Node accepted but the Fetch API does not.
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' })
        res.end(JSON.stringify({ error: { path: 'headers', rule: 'S3', message: 'the request cannot be read' } }))
        return
      }
      await writeResponse(await deps.fetch(request), res)
    }
    run().catch(() => {
      if (!res.headersSent) {
        res.writeHead(500)
        res.end()
      } else res.destroy()
    })
  }
