import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { defaultHttpLimits } from 'push-registry/http'
import { openApiDocument } from '../../src/http/openapi.js'

type Json = Record<string, any>

/** The document the handler serves with its default limits, and a validator over its components. */
const document = openApiDocument(defaultHttpLimits) as Json
const ajv = new Ajv2020({ strict: false, allErrors: true })
// OpenAPI's own keywords (discriminator) are annotations for JSON Schema.
ajv.addKeyword('discriminator')
addFormats.default(ajv)
ajv.addSchema({ $id: 'openapi', components: document['components'] })

const compiled = new Map<string, ValidateFunction>()
const validatorOf = (schema: Json): ValidateFunction => {
  const key = JSON.stringify(schema)
  let validate = compiled.get(key)
  if (validate === undefined) {
    // References point into the document: resolve them against the added one.
    const rewritten = JSON.parse(key.replaceAll('"#/components/', '"openapi#/components/')) as Json
    validate = ajv.compile(rewritten)
    compiled.set(key, validate)
  }
  return validate
}

const resolve = (node: Json): Json => {
  const target = node['$ref'] as string | undefined
  if (target === undefined) return node
  return target.slice(2).split('/').reduce<Json>((at, part) => at[part] as Json, document)
}

const templates = Object.keys(document['paths'] as Json).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replaceAll('.', '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
}))

/** The operation of a method on a path, as the document describes it; `null` when it has none. */
const operationOf = (method: string, pathname: string): { template: string; operation: Json | undefined } | null => {
  const found = templates.find((t) => t.pattern.test(pathname))
  if (found === undefined) return null
  const item = (document['paths'] as Json)[found.template] as Json
  // Own entries only: a method named `constructor` must not find what every object inherits.
  const name = method.toLowerCase()
  return { template: found.template, operation: Object.hasOwn(item, name) ? (item[name] as Json) : undefined }
}

const errorSchema = { $ref: '#/components/schemas/Error' }

/**
 * Checks an answer against the document: the schema of its route, method and status (every line
 * of an NDJSON stream against the line schema), its content type, and the headers the document
 * requires. An answer off the document (an unknown path, a method it lists not, a path not in
 * normal form) must still be the error shape. Throws naming what differs; returns the response
 * (its body untouched).
 */
export const checkContract = async (request: Request, response: Response): Promise<Response> => {
  const { pathname } = new URL(request.url)
  const where = `${request.method} ${pathname} → ${response.status}`
  const fail = (what: string): never => {
    throw new Error(`contract: ${where}: ${what}`)
  }
  const text = await response.clone().text()
  const type = response.headers.get('content-type') ?? ''
  const found = operationOf(request.method, pathname)
  const validateJson = (schema: Json, body: string): void => {
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch {
      fail('the body is not JSON')
    }
    const validate = validatorOf(schema)
    if (!validate(value)) fail(`the body does not match its schema: ${ajv.errorsText(validate.errors)}`)
  }
  if (found === null || found.operation === undefined) {
    // Off the document: an unknown route, a method the route lacks, a path refused before routing.
    if (!type.startsWith('application/json')) fail(`an answer off the document is not JSON (${type})`)
    if (response.status === 405 && response.headers.get('allow') === null) fail('a 405 without Allow')
    validateJson(errorSchema, text)
    return response
  }
  const responses = found.operation['responses'] as Json
  const declared = resolve(Object.hasOwn(responses, String(response.status)) ? (responses[String(response.status)] as Json) : fail(`status ${response.status} is not documented for ${request.method} ${found.template}`))
  for (const [name, header] of Object.entries((declared['headers'] ?? {}) as Json)) {
    const value = response.headers.get(name)
    if (value === null) {
      if ((header as Json)['required'] === true) fail(`the header ${name} is missing`)
      continue
    }
    const validate = validatorOf((header as Json)['schema'] as Json)
    if (!validate(value)) fail(`the header ${name} does not match its schema`)
  }
  const content = declared['content'] as Json | undefined
  if (content === undefined) {
    if (text !== '') fail('a body where none is documented')
    return response
  }
  const media = Object.keys(content).find((m) => type.split(';')[0]?.trim() === m) ?? fail(`content type ${type} is not documented (${Object.keys(content).join(', ')})`)
  const schema = (content[media] as Json)['schema'] as Json
  if (media === 'application/json') validateJson(schema, text)
  else if (media === 'application/x-ndjson') {
    if (text !== '' && !text.endsWith('\n')) fail('an NDJSON stream not ending in a newline')
    for (const line of text.split('\n').slice(0, -1)) validateJson(schema, line)
  }
  return response
}

/** A handler's `fetch`, every answer of which is checked against the document. */
export const contractChecked =
  (fetch: (request: Request) => Promise<Response>) =>
  async (request: Request): Promise<Response> =>
    checkContract(request, await fetch(request))
