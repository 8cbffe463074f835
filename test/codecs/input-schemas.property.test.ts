import { Ajv2020 } from 'ajv/dist/2020.js'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { JsonSchema } from 'push-registry'
import { defaultLimits, inputJsonSchemas } from 'push-registry'
import { inputCodecs } from '../../src/codecs/inputs.js'

const runs = Number(process.env['FC_RUNS'] ?? 300)
const codecs = inputCodecs(defaultLimits)
const schemas = inputJsonSchemas(defaultLimits)
const ajv = new Ajv2020({ strict: false })

/** Instants the schema can tell apart (a zone, the ISO shape), and ones only the codec can (no such day). */
const instants = ['2026-01-01T00:00:00.000Z', '2026-01-01T05:00:00+02:00', '2026-01-01T00:00:00', '2026-01-01', 'yesterday']
const unrealInstants = ['2026-13-01T00:00:00Z', '2026-01-01T25:00:00Z']
const endpoints = ['https://fcm.googleapis.com/fcm/send/abc', 'https://updates.push.services.mozilla.com/wpush/v2/x', '']
/** Endpoints the schema cannot refuse: the allow-list, the scheme, the port are the codec's (S1, D13). */
const refusedEndpoints = ['http://fcm.googleapis.com/x', 'https://evil.example/x', 'https://fcm.googleapis.com:8443/x', 'not a url']

type Schema = Record<string, any>

/** Values near and across the bounds a schema states, for one field. */
const near = (schema: Schema, expressible: boolean, key: string): fc.Arbitrary<unknown> => {
  if (schema['const'] !== undefined) return fc.constant(schema['const'])
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]), 'nope')
  if (Array.isArray(schema['oneOf']) || Array.isArray(schema['anyOf'])) {
    return fc.oneof(...((schema['oneOf'] ?? schema['anyOf']) as Schema[]).map((s) => near(s, expressible, key)))
  }
  if (schema['type'] === 'null') return fc.constant(null)
  if (schema['type'] === 'integer') {
    const min = schema['minimum'] as number
    const max = schema['maximum'] as number
    return fc.constantFrom(min - 1, min, min + 1, max - 1, max, max + 1, 1.5, '7')
  }
  if (schema['type'] === 'string' && schema['pattern'] !== undefined) return fc.constantFrom(...instants, ...(expressible ? [] : unrealInstants), 7)
  if (schema['type'] === 'string' && key === 'endpoint') return fc.constantFrom(...endpoints, ...(expressible ? [] : refusedEndpoints), 7)
  if (schema['type'] === 'string') {
    const min = schema['minLength'] as number
    const max = schema['maxLength'] as number
    const lengths = [min - 1, min, min + 1, max - 1, max, max + 1].filter((n) => n >= 0)
    const texts = fc.constantFrom(...lengths).map((n) => 'a'.repeat(n))
    return expressible ? fc.oneof(texts, fc.constant(7)) : fc.oneof(texts, fc.constant(7), fc.constant('a\u0000b'), fc.constant('\uD800x'))
  }
  if (schema['type'] === 'object') return sample(schema, expressible)
  return fc.anything()
}

/** Values a schema accepts, so that samples reach the valid side too. */
const valid = (schema: Schema, key: string): fc.Arbitrary<unknown> => {
  if (schema['const'] !== undefined) return fc.constant(schema['const'])
  if (Array.isArray(schema['enum'])) return fc.constantFrom(...(schema['enum'] as unknown[]))
  if (Array.isArray(schema['oneOf']) || Array.isArray(schema['anyOf'])) return fc.oneof(...((schema['oneOf'] ?? schema['anyOf']) as Schema[]).map((s) => valid(s, key)))
  if (schema['type'] === 'null') return fc.constant(null)
  if (schema['type'] === 'integer') return fc.integer({ min: schema['minimum'] as number, max: Math.min(schema['maximum'] as number, 2 ** 31) })
  if (schema['type'] === 'string' && schema['pattern'] !== undefined) return fc.constantFrom(...instants.slice(0, 2))
  if (schema['type'] === 'string' && key === 'endpoint') return fc.constantFrom(...endpoints.slice(0, 2))
  if (schema['type'] === 'string') return fc.integer({ min: schema['minLength'] as number, max: (schema['minLength'] as number) + 3 }).map((n) => 'b'.repeat(n))
  const properties = Object.entries((schema['properties'] ?? {}) as Record<string, Schema>)
  const required = new Set((schema['required'] ?? []) as string[])
  return fc.tuple(...properties.map(([k, property]) => (required.has(k) ? valid(property, k).map((v) => [k, v] as const) : fc.option(valid(property, k).map((v) => [k, v] as const), { nil: null })))).map(
    (entries) => Object.fromEntries(entries.filter((entry): entry is readonly [string, unknown] => entry !== null)),
  )
}

/** Objects of a schema's shape, each field valid, invalid, missing or wrong in type; now and then an extra field. */
const sample = (schema: Schema, expressible: boolean): fc.Arbitrary<unknown> => {
  const properties = Object.entries((schema['properties'] ?? {}) as Record<string, Schema>)
  const fields = properties.map(([key, property]) =>
    fc.oneof(
      { weight: 8, arbitrary: valid(property, key).map((value) => [key, value] as const) },
      { weight: 2, arbitrary: near(property, expressible, key).map((value) => [key, value] as const) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
  )
  return fc.tuple(fc.tuple(...fields), fc.boolean()).map(([entries, extra]) => ({
    ...Object.fromEntries(entries.filter((entry): entry is readonly [string, unknown] => entry !== null)),
    ...(extra ? { extra: 'ignored' } : {}),
  }))
}

const accepts = (type: string, value: unknown): boolean => E.isRight((codecs[type as keyof typeof codecs] as { decode: (u: unknown) => E.Either<unknown, unknown> }).decode(value))

describe('input schemas derived from the codecs (OpenAPI, S3)', () => {
  const types = Object.keys(codecs)

  it('S3: there is a schema for every input type, and only for them', () => {
    expect(Object.keys(schemas).sort()).toEqual([...types].sort())
  })

  for (const type of types) {
    const schema = schemas[type] as JsonSchema
    const validate = ajv.compile(schema)

    it(`S3: ${type}: every value the codec accepts validates against the schema`, () => {
      fc.assert(
        fc.property(sample(schema, false), (value) => {
          if (accepts(type, value)) expect(validate(value), JSON.stringify(value)).toBe(true)
        }),
        { numRuns: runs },
      )
    })

    it(`S3: ${type}: every value the schema accepts the codec accepts, where the schema can say it (no allow-list, real dates, well-formed text)`, () => {
      let both = 0
      fc.assert(
        fc.property(sample(schema, true), (value) => {
          const valid = validate(value)
          expect(accepts(type, value), JSON.stringify(value)).toBe(valid)
          if (valid) both++
        }),
        { numRuns: runs },
      )
      // The property must not hold vacuously: some samples are valid.
      expect(both).toBeGreaterThan(0)
    })
  }
})
