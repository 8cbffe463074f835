import type { Attributes, Counter, Histogram, Span, Tracer } from '@opentelemetry/api'
import type { PagedIterable } from './query-stream.js'

/**
 * OpenTelemetry instrumentation, in one place (docs/observability.md lists what it records).
 *
 * `@opentelemetry/api` is an optional peer dependency: it is looked for once, when this module
 * loads, and without it every function here is a plain call of what it wraps. With it, the
 * instruments come from the API's global providers, which the host's SDK sets; until a host
 * registers one, the API's own no-op instruments make the records cost next to nothing.
 *
 * S2: no attribute ever holds a token, a user id, a device id or a concrete request path;
 * only app ids, providers, classes, rules, reasons, route patterns and counts.
 */
type Api = typeof import('@opentelemetry/api')

let api: Api | undefined

/**
 * Settles once the optional `@opentelemetry/api` has been looked for: `true` when it was found
 * (and telemetry is recorded), `false` when it is not installed. Telemetry starts as soon as it
 * settles, within the first turn of the event loop; a host that must not miss the very first
 * call awaits it before serving.
 */
export const telemetryReady: Promise<boolean> = import('@opentelemetry/api').then(
  (module) => {
    api = module
    return true
  },
  () => false,
)

/** Instrumentation scope name: the package. */
const scope = 'push-registry'

interface Instruments {
  readonly tracer: Tracer
  readonly inputs: Counter
  readonly commits: Counter
  readonly answers: Counter
  readonly invalidated: Counter
  readonly quarantined: Counter
  readonly erased: Counter
  readonly changes: Counter
  readonly ingestDuration: Histogram
  readonly queryDuration: Histogram
  readonly writeDuration: Histogram
  readonly providerDuration: Histogram
  readonly httpDuration: Histogram
}

let cached: { readonly provider: unknown; readonly instruments: Instruments } | undefined

/** Latency buckets in seconds, as the HTTP semantic conventions advise. */
const secondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/** The instruments of the meter provider registered now (the metrics API has no proxy: a provider set later needs new ones). */
const instruments = (): Instruments | undefined => {
  if (api === undefined) return undefined
  const provider = api.metrics.getMeterProvider()
  if (cached?.provider === provider) return cached.instruments
  const meter = provider.getMeter(scope)
  const counter = (name: string, unit: string, description: string) => meter.createCounter(name, { unit, description })
  const seconds = (name: string, description: string) => meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: secondsBuckets } })
  const made: Instruments = {
    tracer: api.trace.getTracer(scope),
    inputs: counter('push_registry.ingest.inputs', '{input}', 'Inputs read by ingest, by outcome (accepted, rejected) and, when rejected, by the rule of their first issue.'),
    commits: counter('push_registry.store.commits', '{commit}', 'Conditional commits to the store, by outcome (applied, conflict, refused).'),
    answers: counter('push_registry.provider.answers', '{answer}', 'Push service answers, by provider and class (delivered, dead, ambiguous, credentials, payload, transient).'),
    invalidated: counter('push_registry.tokens.invalidated', '{token}', 'Tokens invalidated, by app and reason.'),
    quarantined: counter('push_registry.tokens.quarantined', '{token}', 'Tokens put in quarantine after an ambiguous answer (R18), by app.'),
    erased: counter('push_registry.tokens.erased', '{token}', 'Tokens ended because every account they were attributed to was erased, by app.'),
    changes: counter('push_registry.changes.written', '{change}', 'Changes appended to the durable change feed, by change name.'),
    ingestDuration: seconds('push_registry.ingest.duration', 'Duration of one ingest call (a single input or a batch), validation and commits included.'),
    queryDuration: seconds('push_registry.query.duration', 'Duration of a registry query, by query; a streamed query from its first read to its end.'),
    writeDuration: seconds('push_registry.write.duration', 'Duration of a registry write other than ingest (an erasure, a send summary), by write.'),
    providerDuration: seconds('push_registry.provider.duration', 'Round trip of one push to its push service, by provider and class.'),
    httpDuration: seconds('http.server.request.duration', 'Duration of HTTP server requests.'),
  }
  cached = { provider, instruments: made }
  return made
}

const elapsedSince = (started: number): number => (performance.now() - started) / 1000

/** `error.type` for a failure: its class name, never its message (which may quote data). */
const errorType = (error: unknown): string => (error instanceof Error ? error.name : 'unknown')

const failed = (span: Span, error: unknown): void => {
  span.setAttribute('error.type', errorType(error))
  span.setStatus({ code: 2 /* SpanStatusCode.ERROR */ })
}

/**
 * Runs `run` inside an active span named `name` and records its duration in `histogram`;
 * `after` adds attributes known once it finished (to the span only).
 */
const measured = async <A>(
  pick: (i: Instruments) => Histogram,
  name: string,
  attributes: Attributes,
  run: () => Promise<A>,
  after?: (result: A) => Attributes,
): Promise<A> => {
  const i = instruments()
  if (i === undefined) return run()
  return i.tracer.startActiveSpan(name, { attributes }, async (span) => {
    const started = performance.now()
    let outcome: Attributes = {}
    try {
      const result = await run()
      if (after !== undefined) span.setAttributes(after(result))
      return result
    } catch (error) {
      failed(span, error)
      outcome = { 'error.type': errorType(error) }
      throw error
    } finally {
      pick(i).record(elapsedSince(started), { ...attributes, ...outcome })
      span.end()
    }
  })
}

/** What an ingest answered, as far as telemetry cares. */
interface IngestOutcome {
  readonly accepted: number
  readonly rejected: readonly { readonly issues: readonly { readonly rule: string }[] }[]
  readonly refused?: { readonly rule: string }
}

/** An ingest call: a span, its duration, and its inputs accepted and rejected by rule. */
export const measureIngest = <R extends IngestOutcome>(run: () => Promise<R>): Promise<R> =>
  measured((i) => i.ingestDuration, 'push_registry.ingest', {}, run, (report) => {
    const i = instruments()
    if (report.accepted > 0) i?.inputs.add(report.accepted, { 'push_registry.outcome': 'accepted' })
    for (const rejection of report.rejected) i?.inputs.add(1, { 'push_registry.outcome': 'rejected', 'push_registry.rule': rejection.issues[0]?.rule ?? 'S3' })
    return {
      'push_registry.inputs.accepted': report.accepted,
      'push_registry.inputs.rejected': report.rejected.length,
      ...(report.refused === undefined ? {} : { 'push_registry.refused.rule': report.refused.rule }),
    }
  })

/** An erasure: a span, its duration, and what it removed (counts only: the user id is personal data, S2). */
export const measureErase = <R extends { readonly erased: boolean; readonly registrations: number; readonly contacts: number }>(run: () => Promise<R>): Promise<R> =>
  measured((i) => i.writeDuration, 'push_registry.erase', { 'push_registry.write': 'erase' }, run, (report) => ({
    'push_registry.erase.found': report.erased,
    'push_registry.erase.registrations': report.registrations,
    'push_registry.erase.contacts': report.contacts,
  }))

/** A send summary recorded (`recordSend`): a span, its duration, and whether it was counted. */
export const measureRecordSend = <R extends { readonly counted: boolean; readonly issues: readonly unknown[] }>(run: () => Promise<R>): Promise<R> =>
  measured((i) => i.writeDuration, 'push_registry.record_send', { 'push_registry.write': 'recordSend' }, run, (report) => ({
    'push_registry.send.counted': report.counted,
    'push_registry.send.issues': report.issues.length,
  }))

/** A query answered at once (a profile, a lookup): a span and its duration. */
export const measureQuery = <A>(query: string, run: () => Promise<A>): Promise<A> =>
  measured((i) => i.queryDuration, `push_registry.query ${query}`, { 'push_registry.query': query }, run)

/**
 * A streamed query: a span from its first read to its end (or to the reader stopping), and its
 * duration. Read a page at a time (`byPage`), it is measured the same way, its rows counted.
 */
export function measureStream<A>(query: string, stream: PagedIterable<A>): PagedIterable<A>
export function measureStream<A>(query: string, stream: AsyncIterable<A>): AsyncIterable<A>
export function measureStream<A>(query: string, stream: AsyncIterable<A> & Partial<PagedIterable<A>>): AsyncIterable<A> {
  const items: AsyncIterable<A> = { [Symbol.asyncIterator]: () => measuredIteration(query, stream[Symbol.asyncIterator](), () => 1) }
  const byPage = stream.byPage
  if (byPage === undefined) return items
  const pages = (): AsyncIterable<readonly A[]> => {
    const source = byPage.call(stream)
    return { [Symbol.asyncIterator]: () => measuredIteration(query, source[Symbol.asyncIterator](), (page) => page.length) }
  }
  const measured: PagedIterable<A> = { ...items, byPage: pages }
  return measured
}

/** One iteration of a streamed query, measured; `rowsOf` counts what each step gives. */
const measuredIteration = <T>(query: string, iterator: AsyncIterator<T>, rowsOf: (item: T) => number): AsyncIterator<T> => {
  const i = instruments()
  if (i === undefined) return iterator
  const attributes = { 'push_registry.query': query }
  let span: Span | undefined
  let started = 0
  let rows = 0
  const end = (error?: unknown): void => {
    if (span === undefined) return
    span.setAttribute('push_registry.query.rows', rows)
    if (error !== undefined) failed(span, error)
    i.queryDuration.record(elapsedSince(started), error === undefined ? attributes : { ...attributes, 'error.type': errorType(error) })
    span.end()
    span = undefined
  }
  let done = false
  return {
    next: async () => {
      if (span === undefined && !done) {
        span = i.tracer.startSpan(`push_registry.query ${query}`, { attributes })
        started = performance.now()
      }
      try {
        const next = await iterator.next()
        if (next.done === true) {
          done = true
          end()
        } else rows += rowsOf(next.value)
        return next
      } catch (error) {
        done = true
        end(error)
        throw error
      }
    },
    return: async (value?: unknown) => {
      done = true
      end()
      return (await iterator.return?.(value)) ?? { done: true, value: undefined }
    },
  }
}

/** A commit's outcome, and the feed entries it wrote once applied. */
export const recordCommit = (outcome: 'applied' | 'conflict' | 'refused', changes: readonly { readonly change: unknown }[] | undefined): void => {
  const i = instruments()
  if (i === undefined) return
  i.commits.add(1, { 'push_registry.commit.outcome': outcome })
  if (outcome !== 'applied' || changes === undefined) return
  for (const draft of changes) {
    const name = (draft.change as { readonly name?: unknown }).name
    i.changes.add(1, { 'push_registry.change.name': typeof name === 'string' ? name : 'unknown' })
  }
}

/** Tokens invalidated, quarantined and erased, from the events a commit applied. */
export const recordTokenEvents = (events: readonly { readonly name: string; readonly payload: unknown }[]): void => {
  const i = instruments()
  if (i === undefined) return
  for (const event of events) {
    if (event.name !== 'token.invalidated' && event.name !== 'token.quarantined') continue
    const payload = event.payload as { readonly appId?: string; readonly reason?: string }
    const app = { 'push_registry.app': payload.appId ?? '' }
    if (event.name === 'token.quarantined') i.quarantined.add(1, app)
    else {
      i.invalidated.add(1, { ...app, 'push_registry.reason': payload.reason ?? 'unknown' })
      if (payload.reason === 'erased') i.erased.add(1, app)
    }
  }
}

/** Starts timing one provider round trip; the answer's class is known only once it is classified. */
export const providerRoundTrip = (provider: string): ((answerClass: string) => void) => {
  const i = instruments()
  if (i === undefined) return () => undefined
  const started = performance.now()
  return (answerClass) => {
    const attributes = { 'push_registry.provider': provider, 'push_registry.answer.class': answerClass }
    i.providerDuration.record(elapsedSince(started), attributes)
    i.answers.add(1, attributes)
  }
}

/** A dispatch: one span around it, with its app, kind, provider and, once it ends, how many targets it had. */
export const measureDispatch = <A extends { readonly targeted: number }>(
  attributes: { readonly appId: string; readonly kind: string; readonly provider: string },
  run: () => Promise<A>,
): Promise<A> => {
  const i = instruments()
  if (i === undefined) return run()
  return i.tracer.startActiveSpan(
    'push_registry.dispatch',
    {
      attributes: {
        'push_registry.app': attributes.appId,
        'push_registry.dispatch.kind': attributes.kind,
        'push_registry.provider': attributes.provider,
      },
    },
    async (span) => {
      try {
        const report = await run()
        // Targets are streamed as they are sent: their number is known at the end.
        span.setAttribute('push_registry.dispatch.targeted', report.targeted)
        return report
      } catch (error) {
        failed(span, error)
        throw error
      } finally {
        span.end()
      }
    },
  )
}

/** The HTTP methods the semantic conventions name; any other is `_OTHER`. */
const knownMethods = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'])

/** A route label as `http.route` (`/v1/users/{id}`); `(unknown)`, `(path)` and the like are no route. */
const routeOf = (label: string): string | undefined => (label.startsWith('/') ? label.replace(/:([a-z]+)/g, '{$1}') : undefined)

const httpAttributes = (method: string, label: string): Attributes => {
  const route = routeOf(label)
  return { 'http.request.method': knownMethods.has(method) ? method : '_OTHER', ...(route === undefined ? {} : { 'http.route': route }) }
}

const statusAttributes = (status: number): Attributes => ({
  'http.response.status_code': status,
  ...(status >= 500 ? { 'error.type': String(status) } : {}),
})

/**
 * An HTTP server request: a `SERVER` span named `{method} {route}` around `run`, which answers
 * its route's label and status. The URL path is not recorded: it holds user ids (S2).
 */
export const measureHttp = async <A extends { readonly label: string; readonly response: { readonly status: number } }>(method: string, run: () => Promise<A>): Promise<A> => {
  const i = instruments()
  if (i === undefined) return run()
  const requested = knownMethods.has(method) ? method : '_OTHER'
  return i.tracer.startActiveSpan(requested === '_OTHER' ? 'HTTP' : requested, { kind: 1 /* SpanKind.SERVER */, attributes: { 'http.request.method': requested } }, async (span) => {
    try {
      const answer = await run()
      const route = routeOf(answer.label)
      if (route !== undefined) span.updateName(`${requested === '_OTHER' ? 'HTTP' : requested} ${route}`)
      span.setAttributes({ ...httpAttributes(method, answer.label), ...statusAttributes(answer.response.status) })
      if (answer.response.status >= 500) span.setStatus({ code: 2 /* SpanStatusCode.ERROR */ })
      return answer
    } finally {
      span.end()
    }
  })
}

/** `http.server.request.duration` of one request, once its answer is written or abandoned. */
export const recordHttpDuration = (method: string, label: string, status: number, started: number): void => {
  instruments()?.httpDuration.record(elapsedSince(started), { ...httpAttributes(method, label), ...statusAttributes(status) })
}
