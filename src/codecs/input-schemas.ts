import type { JsonSchema } from './json-schema.js'
import { jsonSchemaOf } from './json-schema.js'
import { inputCodecs } from './inputs.js'
import type { Limits } from './limits.js'

/**
 * The JSON Schema of each input type the registry accepts, derived from the very codecs that
 * decode them (so the two cannot drift), for one set of limits. Keyed by the input's `type`.
 * What the schema cannot say (an app's platform rules: an APNs token is hex, a web app's token
 * is a subscription) is checked by the registry and named in the rejection.
 */
export const inputJsonSchemas = (limits: Limits): Readonly<Record<string, JsonSchema>> =>
  Object.fromEntries(Object.entries(inputCodecs(limits)).map(([type, codec]) => [type, { title: codec.name, ...jsonSchemaOf(codec) }]))
