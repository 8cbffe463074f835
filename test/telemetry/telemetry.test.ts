import { metrics, trace } from '@opentelemetry/api'
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics'
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatcher, createRegistry, fixedClock, telemetryReady } from 'push-registry'
import { createHttpHandler } from 'push-registry/http'
import { createMemoryStorage } from 'push-registry/memory'
import { scriptedPort } from '../registry/dispatch/scripted-port.js'
import { apnsToken, apps, bothKey, keys, now, session } from '../http/support.js'

const tokens = { kim: apnsToken('a'), charlie: apnsToken('b'), mallory: apnsToken('c'), dana: apnsToken('d') }
const userIds = Object.keys(tokens)
const deviceIds = ['phone-kim', 'phone-charlie', 'phone-mallory', 'phone-dana']
/** The dispatch goes to the first three; dana's token is answered outside any dispatch. */
const audience = userIds.slice(0, 3)

const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 })
const meterProvider = new MeterProvider({ readers: [reader] })
const spanExporter = new InMemorySpanExporter()
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] })

interface Point {
  readonly attributes: Record<string, unknown>
  readonly value: unknown
}
interface Exported {
  readonly unit: string
  readonly points: readonly Point[]
}

let exported = new Map<string, Exported>()
let spans: readonly ReadableSpan[] = []

const collect = async (): Promise<void> => {
  await reader.forceFlush()
  const batches: ResourceMetrics[] = metricExporter.getMetrics()
  exported = new Map()
  for (const scope of batches.at(-1)?.scopeMetrics ?? []) {
    for (const metric of scope.metrics) {
      exported.set(metric.descriptor.name, { unit: metric.descriptor.unit, points: metric.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })) })
    }
  }
  spans = spanExporter.getFinishedSpans()
}

const metric = (name: string): Exported => {
  const found = exported.get(name)
  if (found === undefined) throw new Error(`no metric ${name}; exported: ${[...exported.keys()].join(', ')}`)
  return found
}
const sumOf = (name: string, attributes: Record<string, unknown>): number =>
  metric(name)
    .points.filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
    .reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : (p.value as { count: number }).count), 0)

let alertTargets = 0

beforeAll(async () => {
  expect(await telemetryReady).toBe(true)
  metrics.setGlobalMeterProvider(meterProvider)
  trace.setGlobalTracerProvider(tracerProvider)

  const clock = fixedClock(now)
  const registry = createRegistry({ apps, storage: createMemoryStorage(), clock })
  const handler = createHttpHandler({ registry, keys, clock })
  const post = (path: string, body: unknown) =>
    handler.fetch(new Request(`http://registry.test${path}`, { method: 'POST', headers: { authorization: `Bearer ${bothKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }))
  const inputs = userIds.map((userId, i) => session('ios', deviceIds[i] as string, userId, tokens[userId as keyof typeof tokens]))
  // Two inputs rejected: an unknown type (S3) and a time without a zone (R20).
  expect((await post('/v1/inputs', [...inputs, { type: 'nope' }, { ...inputs[0], at: '2026-01-01T00:00:00' }])).status).toBe(200)
  expect((await handler.fetch(new Request('http://registry.test/v1/users/kim/profile', { headers: { authorization: `Bearer ${bothKey}` } }))).status).toBe(200)
  await (await post('/v1/users/export/segment', { segment: 'foregroundPushEnabled' })).text()
  expect((await handler.fetch(new Request('http://registry.test/nowhere'))).status).toBe(404)

  const port = scriptedPort('apns', (push) =>
    push.token === tokens.charlie ? { status: 410, reason: 'Unregistered', timestamp: now } : push.token === tokens.mallory ? { status: 400, reason: 'BadDeviceToken' } : { status: 200 },
  )
  const dispatcher = createDispatcher({ registry, providers: { ios: port }, clock, sleep: async () => undefined, random: () => 0.5 })
  await dispatcher.send({ appId: 'ios', kind: 'alert', audience: { userIds: audience }, payload: { aps: { alert: 'hi' } } })
  // R18: an ambiguous answer outside any dispatch puts the token in quarantine.
  const answer = { type: 'provider_answer', at: '2026-01-01T06:00:00.000Z', appId: 'ios', token: tokens.dana, provider: 'apns', status: 400, reason: 'BadDeviceToken' }
  expect(await (await post('/v1/inputs', answer)).json()).toEqual({ accepted: 1, rejected: [], late: 0 })
  // The same query read item by item and page by page: both measured, with their rows.
  for await (const _ of registry.targets({ appId: 'ios', kind: 'alert' })) alertTargets++
  for await (const page of registry.targets({ appId: 'ios', kind: 'alert' }).byPage()) expect(page.length).toBeGreaterThan(0)
  const erased = await handler.fetch(new Request('http://registry.test/v1/users/kim', { method: 'DELETE', headers: { authorization: `Bearer ${bothKey}` } }))
  expect(erased.status).toBe(200)
  await collect()
})

afterAll(async () => {
  metrics.disable()
  trace.disable()
  await meterProvider.shutdown()
  await tracerProvider.shutdown()
})

describe('OpenTelemetry metrics', () => {
  it('counts inputs accepted, and rejected by the rule of their first issue', () => {
    expect(metric('push_registry.ingest.inputs').unit).toBe('{input}')
    expect(sumOf('push_registry.ingest.inputs', { 'push_registry.outcome': 'accepted' })).toBeGreaterThanOrEqual(5)
    expect(sumOf('push_registry.ingest.inputs', { 'push_registry.outcome': 'rejected', 'push_registry.rule': 'S3' })).toBe(1)
    expect(sumOf('push_registry.ingest.inputs', { 'push_registry.outcome': 'rejected', 'push_registry.rule': 'R20' })).toBe(1)
  })

  it('counts commits by outcome, and the change-feed entries they wrote by name', () => {
    expect(metric('push_registry.store.commits').unit).toBe('{commit}')
    expect(sumOf('push_registry.store.commits', { 'push_registry.commit.outcome': 'applied' })).toBeGreaterThan(0)
    expect(metric('push_registry.changes.written').unit).toBe('{change}')
    expect(sumOf('push_registry.changes.written', { 'push_registry.change.name': 'token.registered' })).toBe(4)
    expect(sumOf('push_registry.changes.written', { 'push_registry.change.name': 'user.erased' })).toBe(1)
  })

  it('R16, R18: counts provider answers by provider and class, and times each round trip in seconds', () => {
    expect(metric('push_registry.provider.answers').unit).toBe('{answer}')
    for (const answerClass of ['delivered', 'dead', 'ambiguous']) {
      expect(sumOf('push_registry.provider.answers', { 'push_registry.provider': 'apns', 'push_registry.answer.class': answerClass }), answerClass).toBe(1)
    }
    expect(metric('push_registry.provider.duration').unit).toBe('s')
    expect(sumOf('push_registry.provider.duration', { 'push_registry.provider': 'apns' })).toBe(3)
  })

  it('R17, R18, R25: counts tokens invalidated (by reason), quarantined and erased', () => {
    expect(metric('push_registry.tokens.invalidated').unit).toBe('{token}')
    // Unregistered, and BadDeviceToken confirmed dead by the delivered answer of the same dispatch (R18).
    expect(sumOf('push_registry.tokens.invalidated', { 'push_registry.app': 'ios', 'push_registry.reason': 'dead' })).toBe(2)
    expect(sumOf('push_registry.tokens.invalidated', { 'push_registry.app': 'ios', 'push_registry.reason': 'erased' })).toBe(1)
    expect(sumOf('push_registry.tokens.quarantined', { 'push_registry.app': 'ios' })).toBe(1)
    expect(sumOf('push_registry.tokens.erased', { 'push_registry.app': 'ios' })).toBe(1)
  })

  it('records ingest and query latency in seconds, per query', () => {
    expect(metric('push_registry.ingest.duration').unit).toBe('s')
    expect(sumOf('push_registry.ingest.duration', {})).toBeGreaterThanOrEqual(2)
    expect(metric('push_registry.query.duration').unit).toBe('s')
    expect(sumOf('push_registry.query.duration', { 'push_registry.query': 'profile' })).toBe(1)
    expect(sumOf('push_registry.query.duration', { 'push_registry.query': 'exportSegment' })).toBe(1)
  })

  it('HTTP: http.server.request.duration in seconds, by method, route template and status (semantic conventions)', () => {
    expect(metric('http.server.request.duration').unit).toBe('s')
    expect(sumOf('http.server.request.duration', { 'http.request.method': 'POST', 'http.route': '/v1/inputs', 'http.response.status_code': 200 })).toBe(2)
    expect(sumOf('http.server.request.duration', { 'http.request.method': 'GET', 'http.route': '/v1/users/{id}/profile', 'http.response.status_code': 200 })).toBe(1)
    expect(sumOf('http.server.request.duration', { 'http.request.method': 'DELETE', 'http.route': '/v1/users/{id}', 'http.response.status_code': 200 })).toBe(1)
    // An unknown path is no route: the attribute is left out rather than made up.
    const unknown = metric('http.server.request.duration').points.filter((p) => p.attributes['http.response.status_code'] === 404)
    expect(unknown.map((p) => p.attributes['http.route'])).toEqual([undefined])
  })
})

describe('OpenTelemetry spans', () => {
  const named = (name: string): ReadableSpan[] => spans.filter((s) => s.name === name)

  it('HTTP: one SERVER span per request, named {method} {route}, with the semantic-convention attributes', () => {
    expect(named('POST /v1/inputs')).toHaveLength(2)
    const [ingest] = named('POST /v1/inputs')
    expect(ingest?.kind).toBe(1)
    expect(ingest?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/inputs', 'http.response.status_code': 200 })
    expect(named('GET /v1/users/{id}/profile')).toHaveLength(1)
    expect(named('GET')).toHaveLength(1) // the unknown path
  })

  it('spans around ingest, queries and dispatch', () => {
    expect(named('push_registry.ingest').length).toBeGreaterThanOrEqual(2)
    expect(named('push_registry.ingest')[0]?.attributes).toMatchObject({ 'push_registry.inputs.accepted': 4, 'push_registry.inputs.rejected': 2 })
    expect(named('push_registry.query profile')).toHaveLength(1)
    expect(named('push_registry.query exportSegment')[0]?.attributes).toMatchObject({ 'push_registry.query': 'exportSegment', 'push_registry.query.rows': 4 })
    expect(alertTargets).toBeGreaterThan(0)
    // The dispatcher's own targets query first, then the two above.
    expect(named('push_registry.query targets').map((s) => s.attributes['push_registry.query.rows']).slice(-2)).toEqual([alertTargets, alertTargets])
    expect(named('push_registry.dispatch')[0]?.attributes).toMatchObject({ 'push_registry.app': 'ios', 'push_registry.provider': 'apns', 'push_registry.dispatch.kind': 'alert', 'push_registry.dispatch.targeted': 3 })
  })

  it('spans and durations around the writes that are not ingest: an erasure and the dispatcher\'s send summary', () => {
    expect(named('push_registry.erase')[0]?.attributes).toMatchObject({ 'push_registry.write': 'erase', 'push_registry.erase.found': true, 'push_registry.erase.registrations': 1 })
    expect(named('push_registry.record_send')[0]?.attributes).toMatchObject({ 'push_registry.write': 'recordSend', 'push_registry.send.counted': true, 'push_registry.send.issues': 0 })
    expect(metric('push_registry.write.duration').unit).toBe('s')
    expect(sumOf('push_registry.write.duration', { 'push_registry.write': 'erase' })).toBe(1)
    expect(sumOf('push_registry.write.duration', { 'push_registry.write': 'recordSend' })).toBe(1)
  })

  it('S2: no exported attribute or span name holds a token, a user id or a device id', () => {
    const everything = JSON.stringify({
      metrics: [...exported.values()].map((m) => m.points.map((p) => p.attributes)),
      spans: spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
    })
    for (const secret of [...Object.values(tokens), ...userIds, ...deviceIds]) expect(everything).not.toContain(secret)
  })
})
