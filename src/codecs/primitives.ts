import * as t from 'io-ts'
import type { Instant } from '../domain/brand.js'
import type { RuleId } from './issue.js'
import { ruleMessage } from './issue.js'
import { jsonSchemaOf, withJsonSchema } from './json-schema.js'

/** A string of `min` to `max` characters, branded as `A`; failures name rule `rule`. */
export const boundedString = <A extends string = string>(
  name: string,
  min: number,
  max: number,
  rule: RuleId = 'S3',
): t.Type<A, string, unknown> =>
  withJsonSchema(new t.Type<A, string, unknown>(
    name,
    (u): u is A => typeof u === 'string' && u.length >= min && u.length <= max && isStorableText(u),
    (u, c) =>
      typeof u !== 'string'
        ? t.failure(u, c, ruleMessage(rule, u === undefined ? 'is required' : 'must be a string'))
        : u.length < min || u.length > max
          ? t.failure(u, c, ruleMessage(rule, `must be ${min} to ${max} characters (got ${u.length})`))
          : isStorableText(u)
            ? t.success(u as A)
            : t.failure(u, c, ruleMessage('S3', 'must be well-formed text without NUL characters')),
    (a) => a,
  ), { type: 'string', minLength: min, maxLength: max, description: textNote })

/** What a string's schema cannot say: how its length is counted, and which text is refused. */
const textNote = 'Length in UTF-16 code units; well-formed text without NUL characters.'

/** A NUL or an unpaired surrogate cannot be stored by every store (PostgreSQL refuses both). */
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

export const isStorableText = (text: string): boolean => !unstorable.test(text)

/** One of a fixed set of strings; the failure lists them. */
export const oneOf = <A extends string>(name: string, values: readonly A[], rule: RuleId = 'S3'): t.Type<A, A, unknown> => {
  const allowed = new Set<string>(values)
  const codec = new t.Type<A, A, unknown>(
    name,
    (u): u is A => typeof u === 'string' && allowed.has(u),
    (u, c) =>
      typeof u === 'string' && allowed.has(u)
        ? t.success(u as A)
        : t.failure(u, c, ruleMessage(rule, u === undefined ? 'is required' : `must be one of ${values.join(', ')}`)),
    (a) => a,
  )
  return withJsonSchema(codec, { type: 'string', enum: [...values] })
}

const isoInstant = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

/**
 * R20: every input carries the time it happened, as an ISO-8601 date-time with a zone
 * (`2026-01-01T00:00:00.000Z`). Decodes to milliseconds since the epoch; encodes back to UTC.
 */
export const InstantFromIso: t.Type<Instant, string, unknown> = withJsonSchema(new t.Type<Instant, string, unknown>(
  'InstantFromIso',
  (u): u is Instant => typeof u === 'number' && Number.isInteger(u),
  (u, c) => {
    if (typeof u !== 'string' || !isoInstant.test(u)) {
      return t.failure(u, c, ruleMessage('R20', u === undefined ? 'is required' : 'must be an ISO-8601 date-time with a zone, e.g. 2026-01-01T00:00:00.000Z'))
    }
    const ms = Date.parse(u)
    return Number.isFinite(ms) ? t.success(ms as Instant) : t.failure(u, c, ruleMessage('R20', 'is not a real date-time'))
  },
  (a) => new Date(a).toISOString(),
), {
  type: 'string',
  pattern: isoInstant.source,
  description: 'ISO-8601 date-time with a zone (R20), e.g. 2026-01-01T00:00:00.000Z; it must name a real date-time.',
})

/** An integer within bounds. */
export const boundedInteger = (name: string, min: number, max: number, rule: RuleId = 'S3'): t.Type<number, number, unknown> =>
  withJsonSchema(new t.Type<number, number, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) =>
      typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max
        ? t.success(u)
        : t.failure(u, c, ruleMessage(rule, u === undefined ? 'is required' : `must be an integer from ${min} to ${max}`)),
    (a) => a,
  ), { type: 'integer', minimum: min, maximum: max })

/** `A`, or `null` meaning "clear it". */
export const orNull = <A, O>(codec: t.Type<A, O, unknown>): t.Type<A | null, O | null, unknown> =>
  withJsonSchema(new t.Type<A | null, O | null, unknown>(
    `${codec.name} | null`,
    (u): u is A | null => u === null || codec.is(u),
    (u, c) => (u === null ? t.success(null) : codec.validate(u, c)),
    (a) => (a === null ? null : codec.encode(a)),
  ), { anyOf: [jsonSchemaOf(codec), { type: 'null' }] })
