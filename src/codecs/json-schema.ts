import type * as t from 'io-ts'

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), as a plain JSON value. */
export type JsonSchema = { readonly [keyword: string]: unknown }

/**
 * The schema each leaf codec declares for itself. Kept beside the codec, not in it: io-ts types
 * carry no metadata, and a WeakMap leaves their shape (and their `is`/`validate`) untouched.
 */
const declared = new WeakMap<object, JsonSchema>()

/** Declares the JSON Schema of a leaf codec (a bounded string, an enum, …), for {@link jsonSchemaOf}. */
export const withJsonSchema = <C extends t.Any>(codec: C, schema: JsonSchema): C => {
  declared.set(codec, schema)
  return codec
}

interface Node {
  readonly _tag?: string
  readonly name?: string
  readonly type?: unknown
  readonly types?: readonly unknown[]
  readonly props?: Record<string, unknown>
  readonly value?: unknown
}

interface ObjectSchema {
  properties: Record<string, JsonSchema>
  required: string[]
}

/** The properties an object codec (`type`, `partial`, an intersection of them) declares, or `null`. */
const objectOf = (node: Node): ObjectSchema | null => {
  switch (node._tag) {
    case 'ExactType':
    case 'ReadonlyType':
      return objectOf(node.type as Node)
    case 'InterfaceType':
    case 'PartialType': {
      const props = node.props ?? {}
      const properties = Object.fromEntries(Object.entries(props).map(([key, codec]) => [key, jsonSchemaOf(codec as t.Any)]))
      return { properties, required: node._tag === 'InterfaceType' ? Object.keys(props) : [] }
    }
    case 'IntersectionType': {
      const parts = (node.types ?? []).map((part) => objectOf(part as Node))
      if (parts.some((part) => part === null)) return null
      return {
        properties: Object.assign({}, ...parts.map((part) => part?.properties)),
        required: parts.flatMap((part) => part?.required ?? []),
      }
    }
    default:
      return null
  }
}

/**
 * The JSON Schema of a codec, derived from its structure: objects from `t.type`, `t.partial`,
 * `t.exact` and intersections of them, literals as `const`, and leaves from the schema they
 * declared with {@link withJsonSchema}. Extra fields are allowed: `t.exact` strips them rather
 * than refusing them, and the schema says what the codec accepts.
 *
 * The schema cannot say everything a codec checks (a Web Push endpoint's allow-list and
 * canonical form, well-formed text without NUL); each leaf's `description` says what is left
 * to the codec. A codec with neither structure nor a declared schema throws, so a new codec
 * cannot silently go undocumented.
 */
export const jsonSchemaOf = (codec: t.Any): JsonSchema => {
  const own = declared.get(codec)
  if (own !== undefined) return own
  const node = codec as unknown as Node
  if (node._tag === 'LiteralType') return { const: node.value }
  const object = objectOf(node)
  if (object === null) throw new Error(`the codec ${codec.name} declares no JSON Schema`)
  return { type: 'object', properties: object.properties, required: object.required }
}
