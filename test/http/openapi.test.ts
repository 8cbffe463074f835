import { Validator } from '@seriousme/openapi-schema-validator'
import { describe, expect, it } from 'vitest'
import { defaultHttpLimits } from 'push-registry/http'
import { openApiDocument } from '../../src/http/openapi.js'
import { routes } from '../../src/http/routes.js'
import { checkContract } from './contract.js'
import { call, setup } from './support.js'

/** A route's log label (`/v1/users/:id`) as an OpenAPI path template (`/v1/users/{id}`). */
const templateOf = (label: string): string => label.replace(/:([a-z]+)/g, '{$1}')

describe('OpenAPI document (GET /openapi.json)', () => {
  it('HTTP: the served document is valid OpenAPI 3.1 (checked against the official schema)', async () => {
    const { handler } = setup()
    const { status, body } = await call(handler, 'GET', '/openapi.json', { key: null })
    expect(status).toBe(200)
    const result = await new Validator().validate(body as Record<string, unknown>)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
    expect((body as { openapi: string }).openapi).toBe('3.1.0')
  })

  it('HTTP: it is read without a key, like /healthz (it holds shapes, never data)', async () => {
    const { handler } = setup()
    expect((await call(handler, 'GET', '/openapi.json', { key: null })).status).toBe(200)
    expect((await call(handler, 'GET', '/openapi.json', { key: 'not-a-key' })).status).toBe(200)
  })

  it('HTTP: every route and method of the handler is in the document, and the document names no other', () => {
    const { registry } = setup()
    const table = routes({ registry, clock: { now: () => 0 }, limits: defaultHttpLimits })
    const document = openApiDocument(defaultHttpLimits) as { paths: Record<string, Record<string, unknown>> }
    const served = table.flatMap((route) => Object.keys(route.methods).map((method) => `${method.toLowerCase()} ${templateOf(route.label)}`))
    const documented = Object.entries(document.paths)
      .filter(([path]) => !path.startsWith('/ui/'))
      .flatMap(([path, item]) => Object.keys(item).filter((key) => key !== 'parameters').map((method) => `${method} ${path}`))
    expect(documented.sort()).toEqual(served.sort())
  })

  it('HTTP: routes that need a key declare the API-key scheme; /healthz and /openapi.json declare none', () => {
    const { registry } = setup()
    const table = routes({ registry, clock: { now: () => 0 }, limits: defaultHttpLimits })
    const document = openApiDocument(defaultHttpLimits) as { security: unknown; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> }
    expect(document.security).toEqual([{ apiKey: [] }])
    for (const route of table) {
      for (const method of Object.keys(route.methods)) {
        const operation = document.paths[templateOf(route.label)]?.[method.toLowerCase()]
        expect(operation?.security, route.label).toEqual(route.auth ? undefined : [])
        expect(Object.hasOwn(operation?.responses ?? {}, '401'), route.label).toBe(route.auth)
      }
    }
  })

  it('S3: the limits in the document are the handler\'s own', async () => {
    const { handler } = setup({ limits: { maxBatchSize: 7 } })
    const { body } = await call(handler, 'GET', '/openapi.json')
    const inputs = (body as { components: { schemas: { Inputs: { oneOf: { maxItems?: number }[] } } } }).components.schemas.Inputs
    expect(inputs.oneOf[1]?.maxItems).toBe(7)
  })
})

describe('the contract check the route and fuzz tests run every answer through', () => {
  const post = new Request('http://registry.test/v1/inputs', { method: 'POST' })
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

  it('HTTP: refuses a body off its schema, an undocumented status, a missing required header', async () => {
    await expect(checkContract(post, json(200, { accepted: 'one', rejected: [] }))).rejects.toThrow(/does not match its schema/)
    await expect(checkContract(post, json(418, { error: { path: 'x', rule: 'HTTP', message: 'm' } }))).rejects.toThrow(/not documented/)
    await expect(checkContract(post, json(503, { error: { path: 'storage', rule: 'HTTP', message: 'm' } }))).rejects.toThrow(/Retry-After/)
    await expect(checkContract(post, new Response('{}', { status: 200, headers: { 'content-type': 'text/plain' } }))).rejects.toThrow(/content type/)
  })

  it('HTTP: checks every line of an NDJSON stream, and the error shape off the document', async () => {
    const segment = new Request('http://registry.test/v1/users/export/segment', { method: 'POST' })
    const lines = (text: string): Response => new Response(text, { status: 200, headers: { 'content-type': 'application/x-ndjson' } })
    await expect(checkContract(segment, lines('{"external_id":"kim","push_subscribe":"subscribed","push_tokens":[]}\n{"external_id":"kim"}\n'))).rejects.toThrow(/schema/)
    await expect(checkContract(segment, lines('{"external_id":"kim","push_subscribe":"subscribed","push_tokens":[]}\n'))).resolves.toBeInstanceOf(Response)
    await expect(checkContract(new Request('http://registry.test/nowhere'), json(404, { oops: true }))).rejects.toThrow(/schema/)
    await expect(checkContract(new Request('http://registry.test/healthz', { method: 'PUT' }), json(405, { error: { path: 'method', rule: 'HTTP', message: 'm' } }))).rejects.toThrow(/Allow/)
  })
})
