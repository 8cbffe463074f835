import type { IncomingMessage, ServerResponse } from 'node:http'
import { notNormalPath, tooLarge } from './http-error.js'
import { isNormalPath } from './normal-path.js'

/** What the adapter needs from the handler. */
export interface NodeAdapterDeps {
  /**
   * The handler; `peer` is the socket's remote address, `method` the request's own (which
   * differs from `request.method` only for a method the Fetch API refuses to build, `TRACE`).
   */
  readonly fetch: (request: Request, peer: string | undefined, method: string) => Promise<Response>
  readonly maxBodyBytes: number
  /** Logs a request answered by the adapter itself (a body over the limit). */
  readonly record: (method: string, label: string, status: number, started: number) => void
}

/**
 * The request body as a web stream that reads from the socket only when the handler asks for
 * more: a request refused on its headers (no key, wrong route) is answered without its body
 * ever being read, and a body over the limit stops being buffered where the handler stops
 * reading. Cancelling drops the rest instead of destroying the socket, so the answer still
 * reaches the client.
 */
const bodyStream = (req: IncomingMessage, gone: AbortController): ReadableStream<Uint8Array> => {
  // Set once the handler stopped reading (cancel) or the body ended: the controller takes nothing more.
  let settled = false
  return new ReadableStream<Uint8Array>({
    start: (controller) => {
      req.pause()
      req.on('data', (chunk: Buffer) => {
        if (settled) return
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if ((controller.desiredSize ?? 0) <= 0) req.pause()
      })
      req.on('end', () => {
        if (settled) return
        settled = true
        controller.close()
      })
      req.on('error', (error) => {
        if (settled) return
        settled = true
        // Before the handler sees the error: it tells a client that left from a failure of ours.
        gone.abort()
        controller.error(error)
      })
    },
    pull: () => {
      req.resume()
    },
    cancel: () => {
      settled = true
      req.resume()
    },
  })
}

/**
 * Resolves on `drain` or `close`, whichever comes first, and removes both listeners then: a
 * slow reader makes a long answer wait thousands of times, and a listener left behind by each
 * wait would pile up on the response.
 */
const drainedOrClosed = (res: ServerResponse): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })

/** Writes a Fetch `Response` to a node response, streaming the body and honouring back-pressure. */
const writeResponse = async (response: Response, res: ServerResponse, closeAfter: boolean): Promise<void> => {
  // A body the handler did not read to its end: say so, and close the connection after the
  // answer rather than reading whatever the client still sends.
  res.writeHead(response.status, [...response.headers.entries(), ...(closeAfter ? [['connection', 'close']] : [])].flat())
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
      if (!res.write(value)) await drainedOrClosed(res)
    }
    res.end()
  } finally {
    // A client that went away mid-stream: stop producing.
    if (res.destroyed) await reader.cancel().catch(() => undefined)
  }
}

/** Methods the Fetch API forbids in `new Request` (`CONNECT` never reaches a request listener). */
const fetchForbidden = new Set(['TRACE', 'TRACK'])

const toRequest = (req: IncomingMessage, gone: AbortController): Request => {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string)
  // A method `new Request` refuses still gets its 405 from the router, which routes on the
  // method passed beside the request; the request stands in as a bodiless GET no route reaches.
  const method = fetchForbidden.has(req.method ?? 'GET') ? 'GET' : (req.method ?? 'GET')
  const bodyless = method === 'GET' || method === 'HEAD'
  return new Request(new URL(req.url ?? '/', 'http://localhost'), {
    method,
    headers,
    signal: gone.signal,
    ...(bodyless ? {} : { body: bodyStream(req, gone), duplex: 'half' }),
  } as RequestInit)
}

/**
 * Adapts the Fetch handler to a `node:http` request listener. The promise it returns settles
 * once the answer is written or abandoned (never rejects), so a server that stops can wait for
 * its handlers before it closes the storage.
 */
export const nodeAdapter =
  (deps: NodeAdapterDeps) =>
  (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const run = async (): Promise<void> => {
      const started = performance.now()
      const declared = Number(req.headers['content-length'] ?? '0')
      if (Number.isFinite(declared) && declared > deps.maxBodyBytes) {
        // Refused on its length alone: nothing of it is read.
        const response = tooLarge(deps.maxBodyBytes)
        deps.record(req.method ?? '?', '(body)', response.status, started)
        await writeResponse(response, res, true)
        closeUnread()
        return
      }
      // Checked on the raw target: URL parsing would already have resolved `//host/…`, dot
      // segments and backslashes into some other path.
      const target = req.url ?? ''
      if (!isNormalPath(target.split('?', 1)[0] as string)) {
        const response = notNormalPath()
        deps.record(req.method ?? '?', '(path)', response.status, started)
        await writeResponse(response, res, !req.complete)
        closeUnread()
        return
      }
      // Aborted when the connection closes before the answer is out: `request.signal`, as
      // Fetch runtimes signal a client that went away.
      const gone = new AbortController()
      res.once('close', () => {
        if (!res.writableFinished) gone.abort()
      })
      let request: Request
      try {
        request = toRequest(req, gone)
      } catch {
        // A header or URL Node accepted but the Fetch API does not.
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', connection: 'close' })
        res.end(JSON.stringify({ error: { path: 'headers', rule: 'S3', message: 'the request cannot be read' } }))
        closeUnread()
        return
      }
      const response = await deps.fetch(request, req.socket.remoteAddress, req.method ?? 'GET')
      await writeResponse(response, res, !req.complete)
      closeUnread()
    }
    /** Once the answer is out, a connection whose request body was left unread is closed. */
    const closeUnread = (): void => {
      if (req.complete) return
      if (res.writableFinished) req.socket.destroy()
      else res.once('finish', () => req.socket.destroy())
    }
    return run().catch(() => {
      if (!res.headersSent) {
        res.writeHead(500)
        res.end()
      } else res.destroy()
    })
  }
