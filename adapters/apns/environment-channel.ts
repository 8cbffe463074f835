import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, Settings } from 'node:http2'
import { connect, constants } from 'node:http2'
import type { Clock, ProviderReply } from 'push-registry'
import type { ApnsRequest } from './push-request.js'
import { maxBodyKept, replyOf } from './read-reply.js'

/** How one environment's connection is made and used. */
export interface ChannelOptions {
  /** `production` or `sandbox`: names the channel in log lines. */
  readonly name: string
  /** `https://host:port` of that environment's APNs. */
  readonly origin: string
  readonly ca: string | Buffer | undefined
  /** Our own cap on streams in flight; the server's SETTINGS_MAX_CONCURRENT_STREAMS lowers it. */
  readonly maxConcurrentStreams: number
  /** A connection or a stream without progress for this long fails with `status: 0`. */
  readonly timeoutMs: number
  readonly clock: Clock
  readonly log: (line: string) => void
}

/** What came of one stream. */
export interface Exchange {
  readonly reply: ProviderReply
  /**
   * The server never processed the request (refused stream, or not sent because the session
   * was going away): it is safe to send it again, once, on a fresh connection.
   */
  readonly unprocessed: boolean
}

/** One HTTP/2 connection to one APNs environment, shared by every push sent there. */
export interface EnvironmentChannel {
  /**
   * Sends one request when a stream slot is free (at once, or after the pushes queued before
   * it) and calls `done` exactly once with what came of it. Callbacks, not promises: this is
   * the per-push hot path, and each promise hop costs as much as the rest of the adapter's work.
   */
  readonly exchange: (request: ApnsRequest, providerToken: string, done: (outcome: Exchange) => void) => void
  readonly close: () => Promise<void>
}

/** A connected session and the streams we run on it. */
interface Lane {
  readonly session: ClientHttp2Session
  active: number
  limit: number
  /** False once the session got a GOAWAY, an error or closed: no new streams on it. */
  usable: boolean
}

/** A push waiting for a stream slot. */
interface Waiter {
  readonly request: ApnsRequest
  readonly providerToken: string
  readonly done: (outcome: Exchange) => void
}

/** Node error codes are safe to report; messages could in principle quote a path, i.e. a token (S2). */
const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'ERR_NETWORK'
}

/** RFC 9113 §7 error codes, for the `detail` of a stream that closed without an answer. */
const rstNames: readonly string[] = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED',
  'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
]

/**
 * A FIFO with O(1) take: a 50,000-push send queues that many, and `Array#shift` on such
 * arrays can copy.
 */
class WaitQueue {
  private items: (Waiter | undefined)[] = []
  private head = 0
  get size(): number {
    return this.items.length - this.head
  }
  push(waiter: Waiter): void {
    this.items.push(waiter)
  }
  take(): Waiter | undefined {
    if (this.head >= this.items.length) return undefined
    const waiter = this.items[this.head]
    this.items[this.head] = undefined
    this.head += 1
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return waiter
  }
}

/**
 * One long-lived HTTP/2 session per APNs environment, as Apple asks providers to keep.
 * Streams are multiplexed up to the smaller of our cap and the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS; beyond it pushes wait in a FIFO here (plain objects in JS,
 * rather than in the session, whose memory cap makes nghttp2 refuse streams). After a GOAWAY,
 * an error or a close, new streams go to a new session, opened on demand; the old one's
 * streams finish there or fail with `status: 0`. The session is unreferenced while idle, so it
 * never keeps a process alive by itself.
 */
/**
 * Closes a session gracefully (its streams finish), and destroys it if that takes longer than
 * `ms`: on a silently dead connection a graceful close would wait for the kernel to give up on
 * the socket, which takes minutes.
 */
const closeWithin = (session: ClientHttp2Session, ms: number): Promise<void> =>
  new Promise<void>((resolve) => {
    if (session.closed || session.destroyed) {
      resolve()
      return
    }
    const deadline = setTimeout(() => {
      session.destroy()
      resolve()
    }, ms)
    deadline.unref()
    session.close(() => {
      clearTimeout(deadline)
      resolve()
    })
  })

export const createEnvironmentChannel = (options: ChannelOptions): EnvironmentChannel => {
  const { name, origin, log } = options
  const waiters = new WaitQueue()
  const sessions = new Set<ClientHttp2Session>()
  let lane: Lane | undefined
  let connecting = false
  let closed = false

  const failWaiters = (reply: ProviderReply): void => {
    for (let waiter = waiters.take(); waiter !== undefined; waiter = waiters.take()) waiter.done({ reply, unprocessed: false })
  }

  const pump = (): void => {
    // The lane is read afresh each turn: a failed `start` may have retired it.
    while (waiters.size > 0) {
      const current = lane
      if (current === undefined || !current.usable) {
        connectIfNeeded()
        return
      }
      if (current.active >= current.limit) return
      const waiter = waiters.take() as Waiter
      start(current, waiter.request, waiter.providerToken, waiter.done)
    }
  }

  const limitOf = (settings: Settings): number => Math.max(1, Math.min(options.maxConcurrentStreams, settings.maxConcurrentStreams ?? options.maxConcurrentStreams))

  const connectIfNeeded = (): void => {
    if (connecting || closed) return
    connecting = true
    const session = connect(origin, {
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      settings: { enablePush: false },
      // In MB. Streams are bounded by our window, so this only needs room for that many small ones.
      maxSessionMemory: 64,
    })
    sessions.add(session)
    let ready: Lane | undefined
    // This attempt's own outcome: a later attempt's waiters are not this session's to fail.
    let settled = false
    const giveUp = (code: string): void => {
      if (settled) return
      settled = true
      connecting = false
      log(`apns ${name}: cannot connect to ${origin} (${code})`)
      session.destroy()
      failWaiters({ status: 0, detail: code })
    }
    const connectTimer = setTimeout(() => giveUp('ETIMEDOUT'), options.timeoutMs)
    connectTimer.unref()
    const retire = (): void => {
      if (ready === undefined) return
      ready.usable = false
      if (lane === ready) lane = undefined
      pump()
    }
    session.on('remoteSettings', (settings: Settings) => {
      if (ready !== undefined) {
        ready.limit = limitOf(settings)
        if (lane === ready) pump()
        return
      }
      if (settled) return
      settled = true
      clearTimeout(connectTimer)
      ready = { session, active: 0, limit: limitOf(settings), usable: true }
      lane = ready
      connecting = false
      session.unref()
      pump()
    })
    session.on('goaway', (code: number) => {
      log(`apns ${name}: GOAWAY (code ${code}); new pushes go to a new connection`)
      retire()
    })
    session.on('error', (error: unknown) => {
      clearTimeout(connectTimer)
      if (ready === undefined) giveUp(codeOf(error))
      else log(`apns ${name}: connection error ${codeOf(error)}`)
      retire()
    })
    session.on('close', () => {
      clearTimeout(connectTimer)
      sessions.delete(session)
      if (ready === undefined) giveUp('ECONNRESET')
      retire()
    })
  }

  const release = (used: Lane): void => {
    used.active -= 1
    if (used.active === 0) used.session.unref()
    if (used === lane) pump()
  }

  // One sweep for every stream in flight instead of a timer per stream: a timer per stream
  // costs more than the rest of the adapter's per-push work.
  const started = new Map<ClientHttp2Stream, { readonly at: number; readonly lane: Lane }>()
  const timedOut = new WeakSet<ClientHttp2Stream>()
  let sweeper: NodeJS.Timeout | undefined
  const sweep = (): void => {
    const oldest = performance.now() - options.timeoutMs
    for (const [stream, { at, lane: used }] of started) {
      // Insertion order is start order: the first young stream ends the scan.
      if (at > oldest) break
      started.delete(stream)
      timedOut.add(stream)
      stream.close(constants.NGHTTP2_CANCEL)
      abandon(used)
    }
    if (started.size === 0 && sweeper !== undefined) {
      clearInterval(sweeper)
      sweeper = undefined
    }
  }
  /**
   * A stream that got no answer in time says the connection may be silently dead (a NAT or a
   * middlebox dropped the flow; HTTP/2 sends no keep-alive by itself): new pushes go to a new
   * connection, and the old one is closed, then destroyed if it cannot even close in time.
   */
  const abandon = (used: Lane): void => {
    if (!used.usable) return
    used.usable = false
    if (lane === used) lane = undefined
    log(`apns ${name}: a push got no answer in ${options.timeoutMs} ms; new pushes go to a new connection`)
    closeWithin(used.session, options.timeoutMs)
    pump()
  }
  const watch = (stream: ClientHttp2Stream, used: Lane): void => {
    started.set(stream, { at: performance.now(), lane: used })
    if (sweeper === undefined) {
      sweeper = setInterval(sweep, Math.max(10, Math.min(1000, options.timeoutMs / 4)))
      sweeper.unref()
    }
  }

  /** Opens one stream on `used` (a slot is free) and reports its outcome to `done`. */
  function start(used: Lane, request: ApnsRequest, providerToken: string, done: (outcome: Exchange) => void): void {
    if (used.active === 0) used.session.ref()
    used.active += 1
    request.headers['authorization'] = `bearer ${providerToken}`
    let stream: ClientHttp2Stream
    try {
      stream = used.session.request(request.headers)
    } catch (error) {
      // The session went away between the slot check and the request: nothing was sent.
      used.usable = false
      if (lane === used) lane = undefined
      release(used)
      done({ reply: { status: 0, detail: codeOf(error) }, unprocessed: true })
      return
    }
    watch(stream, used)
    let status: number | undefined
    let retryAfter: string | undefined
    let chunks: Buffer[] | undefined
    let kept = 0
    stream.on('response', (headers: IncomingHttpHeaders) => {
      status = Number(headers[':status'])
      const value = headers['retry-after']
      retryAfter = Array.isArray(value) ? value[0] : value
    })
    stream.on('data', (chunk: Buffer) => {
      if (kept < maxBodyKept) {
        ;(chunks ??= []).push(chunk)
        kept += chunk.length
      }
    })
    // Errors end in 'close', where the outcome is decided; the listener keeps them from throwing.
    stream.on('error', () => {})
    stream.on('close', () => {
      started.delete(stream)
      release(used)
      if (status !== undefined && !Number.isNaN(status)) {
        const body = chunks === undefined ? undefined : Buffer.concat(chunks)
        done({ reply: replyOf(status, body, retryAfter, options.clock.now()), unprocessed: false })
        return
      }
      const code = stream.rstCode
      const detail = timedOut.has(stream) ? 'ETIMEDOUT' : `RST_STREAM ${rstNames[code ?? -1] ?? String(code)}`
      done({ reply: { status: 0, detail }, unprocessed: code === constants.NGHTTP2_REFUSED_STREAM })
    })
    stream.end(request.body)
  }

  return {
    exchange: (request, providerToken, done) => {
      if (closed) {
        done({ reply: { status: 0, reason: 'ProviderClosed' }, unprocessed: false })
        return
      }
      const current = lane
      if (waiters.size === 0 && current !== undefined && current.usable && current.active < current.limit) {
        start(current, request, providerToken, done)
        return
      }
      waiters.push({ request, providerToken, done })
      pump()
    },
    close: async () => {
      closed = true
      failWaiters({ status: 0, reason: 'ProviderClosed' })
      await Promise.all([...sessions].map((session) => closeWithin(session, options.timeoutMs)))
    },
  }
}
