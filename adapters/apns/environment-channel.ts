import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, Settings } from 'node:http2'
import { connect, constants } from 'node:http2'
import type { Clock, ProviderReply } from 'push-registry'
import type { ApnsRequest } from './push-request.js'
import { maxBodyKept, replyOf } from './read-reply.js'
import { FifoQueue, OldestFirst } from './wait-queues.js'

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
  /**
   * How long a push the server refused unprocessed keeps being sent again on new connections,
   * from its first refusal, before it is reported (`status: 0`, `RefusedUnprocessed`).
   */
  readonly resendBudgetMs: number
  readonly clock: Clock
  readonly log: (line: string) => void
}

/** One HTTP/2 connection to one APNs environment, shared by every push sent there. */
export interface EnvironmentChannel {
  /**
   * Sends one request when a stream slot is free (at once, or after the pushes queued before
   * it) and calls `done` exactly once with the answer. A request the server refused
   * unprocessed is sent again on a new connection until `resendBudgetMs` runs out. Callbacks,
   * not promises: this is the per-push hot path, and each promise hop costs as much as the
   * rest of the adapter's work.
   */
  readonly exchange: (request: ApnsRequest, providerToken: string, done: (reply: ProviderReply) => void) => void
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

/** A push waiting for a stream slot, or on one. */
interface Waiter {
  readonly request: ApnsRequest
  readonly providerToken: string
  readonly done: (reply: ProviderReply) => void
  /** Its place in the order pushes were handed to the channel. */
  readonly seq: number
  /** `performance.now()` of the first time the server refused it unprocessed. */
  refusedSince: number | undefined
  /** How many times the server refused it unprocessed. */
  refusals: number
}

/** The local reason of a push the server refused unprocessed until the resend budget ran out. */
export const refusedUnprocessedReason = 'RefusedUnprocessed'

/**
 * The wait before opening a connection after `fruitless` connections in a row got no answer at
 * all (refused, closed or unreachable before answering anything): 50–100 ms, doubling up to
 * 2.5–5 s (half fixed, half random, so that many clients do not come back in lock-step). A
 * connection that answered anything resets it: a server that closes connections now and then
 * (APNs does) is reconnected to at once.
 */
const reconnectBaseMs = 100
const reconnectMaxMs = 5000
const reconnectDelayMs = (fruitless: number): number => {
  if (fruitless === 0) return 0
  const ceiling = Math.min(reconnectMaxMs, reconnectBaseMs * 2 ** (fruitless - 1))
  return ceiling / 2 + (Math.random() * ceiling) / 2
}

/** Node error codes are safe to report; messages could in principle quote a path, i.e. a token (S2). */
const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'ERR_NETWORK'
}

/** Errors of `session.request` that mean the session cannot take streams, not that the request is bad. */
const sessionGoneCodes = new Set(['ERR_HTTP2_GOAWAY_SESSION', 'ERR_HTTP2_INVALID_SESSION', 'ERR_HTTP2_OUT_OF_STREAMS'])
const sessionGone = (session: ClientHttp2Session, error: unknown): boolean =>
  session.closed || session.destroyed || sessionGoneCodes.has(codeOf(error))

/** RFC 9113 §7 error codes, for the `detail` of a stream that closed without an answer. */
const rstNames: readonly string[] = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED',
  'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
]

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
  const waiters = new FifoQueue<Waiter>()
  /** Pushes refused unprocessed: they go out again before the waiters, oldest first. */
  const resends = new OldestFirst<Waiter>()
  let handed = 0
  const queued = (): number => resends.size + waiters.size
  const sessions = new Set<ClientHttp2Session>()
  let lane: Lane | undefined
  let connecting = false
  let closed = false
  // Reconnect backoff: connections in a row that answered nothing, and whether the latest
  // connection's outcome is already counted in it.
  let fruitless = 0
  let answeredSinceOpen = 0
  let judged = true
  let reconnectTimer: NodeJS.Timeout | undefined

  const failWaiters = (reply: ProviderReply): void => {
    for (let waiter = resends.take() ?? waiters.take(); waiter !== undefined; waiter = resends.take() ?? waiters.take()) waiter.done(reply)
  }

  const outOfBudget = (waiter: Waiter, now: number): boolean =>
    waiter.refusedSince !== undefined && now - waiter.refusedSince >= options.resendBudgetMs

  /** Reports a push whose resend budget ran out: in words, since a person reads it in a report. */
  const giveUpOn = (waiter: Waiter, now: number): void => {
    const seconds = Math.round((now - (waiter.refusedSince ?? now)) / 100) / 10
    waiter.done({
      status: 0,
      reason: refusedUnprocessedReason,
      detail:
        `APNs refused this push unprocessed ${waiter.refusals} time(s) over ${seconds} s (RST_STREAM REFUSED_STREAM or a GOAWAY), ` +
        `sent again on a new connection each time; it was never delivered and is safe to send again`,
    })
  }

  /** Pushes whose budget ran out while no connection could take them are reported now. */
  const expireResends = (): void => {
    const now = performance.now()
    const keep: Waiter[] = []
    for (let waiter = resends.take(); waiter !== undefined; waiter = resends.take()) {
      if (outOfBudget(waiter, now)) giveUpOn(waiter, now)
      else keep.push(waiter)
    }
    for (const waiter of keep) resends.push(waiter)
  }

  const pump = (): void => {
    // The lane is read afresh each turn: a failed `start` may have retired it.
    while (queued() > 0) {
      const current = lane
      if (current === undefined || !current.usable) {
        connectIfNeeded()
        return
      }
      if (current.active >= current.limit) return
      start(current, (resends.take() ?? waiters.take()) as Waiter)
    }
  }

  /**
   * The server refused `waiter` unprocessed: it never saw it, so it is sent again, first in
   * line, on a new connection (the pump opens one: the refusing lane was retired), until its
   * budget runs out.
   */
  const resend = (waiter: Waiter): void => {
    const now = performance.now()
    waiter.refusedSince ??= now
    waiter.refusals += 1
    if (closed) {
      waiter.done({ status: 0, reason: 'ProviderClosed' })
      return
    }
    if (outOfBudget(waiter, now)) {
      giveUpOn(waiter, now)
      return
    }
    resends.push(waiter)
    pump()
  }

  const limitOf = (settings: Settings): number => Math.max(1, Math.min(options.maxConcurrentStreams, settings.maxConcurrentStreams ?? options.maxConcurrentStreams))

  /**
   * Opens a new connection when none is usable or being opened: at once, or after the backoff
   * when the previous connections answered nothing (no reconnect storm against a server that
   * refuses everything).
   */
  const connectIfNeeded = (): void => {
    if (connecting || closed) return
    connecting = true
    if (!judged) {
      judged = true
      fruitless = answeredSinceOpen === 0 ? fruitless + 1 : 0
    }
    const delay = reconnectDelayMs(fruitless)
    if (delay === 0) {
      open()
      return
    }
    log(`apns ${name}: ${fruitless} connection(s) in a row answered nothing; reconnecting in ${Math.round(delay)} ms`)
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined
      if (closed) return
      expireResends()
      if (queued() === 0) {
        connecting = false
        return
      }
      open()
    }, delay)
  }

  const open = (): void => {
    judged = false
    answeredSinceOpen = 0
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

  /** No new streams on `used`; it closes once its streams end (or is destroyed if it cannot). */
  const retireLane = (used: Lane): void => {
    if (!used.usable) return
    used.usable = false
    if (lane === used) lane = undefined
    closeWithin(used.session, options.timeoutMs)
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
    retireLane(used)
    log(`apns ${name}: a push got no answer in ${options.timeoutMs} ms; new pushes go to a new connection`)
    pump()
  }
  const watch = (stream: ClientHttp2Stream, used: Lane): void => {
    started.set(stream, { at: performance.now(), lane: used })
    if (sweeper === undefined) {
      sweeper = setInterval(sweep, Math.max(10, Math.min(1000, options.timeoutMs / 4)))
      sweeper.unref()
    }
  }

  /** Opens one stream on `used` (a slot is free) and reports its outcome to the waiter. */
  function start(used: Lane, waiter: Waiter): void {
    const { request, done } = waiter
    if (used.active === 0) used.session.ref()
    used.active += 1
    request.headers['authorization'] = `bearer ${waiter.providerToken}`
    let stream: ClientHttp2Stream
    try {
      stream = used.session.request(request.headers)
    } catch (error) {
      if (sessionGone(used.session, error)) {
        // The session went away between the slot check and the request: nothing was sent.
        retireLane(used)
        release(used)
        resend(waiter)
        return
      }
      // This request's own fault (a header nghttp2 refuses): the connection is fine. No pump
      // here: a run of such pushes would recurse once per push.
      used.active -= 1
      if (used.active === 0) used.session.unref()
      done({ status: 0, detail: codeOf(error) })
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
      if (status !== undefined && !Number.isNaN(status)) {
        answeredSinceOpen += 1
        release(used)
        const body = chunks === undefined ? undefined : Buffer.concat(chunks)
        done(replyOf(status, body, retryAfter, options.clock.now()))
        return
      }
      const code = stream.rstCode
      if (code === constants.NGHTTP2_REFUSED_STREAM && !timedOut.has(stream)) {
        // Refused unprocessed: by the server, or by nghttp2 for a stream above a GOAWAY's last
        // stream id. No new stream goes to a connection that refuses them.
        retireLane(used)
        release(used)
        resend(waiter)
        return
      }
      release(used)
      done({ status: 0, detail: timedOut.has(stream) ? 'ETIMEDOUT' : `RST_STREAM ${rstNames[code ?? -1] ?? String(code)}` })
    })
    stream.end(request.body)
  }

  return {
    exchange: (request, providerToken, done) => {
      if (closed) {
        done({ status: 0, reason: 'ProviderClosed' })
        return
      }
      const waiter: Waiter = { request, providerToken, done, seq: handed++, refusedSince: undefined, refusals: 0 }
      const current = lane
      if (queued() === 0 && current !== undefined && current.usable && current.active < current.limit) {
        start(current, waiter)
        return
      }
      waiters.push(waiter)
      pump()
    },
    close: async () => {
      closed = true
      if (reconnectTimer !== undefined) clearTimeout(reconnectTimer)
      failWaiters({ status: 0, reason: 'ProviderClosed' })
      await Promise.all([...sessions].map((session) => closeWithin(session, options.timeoutMs)))
    },
  }
}
