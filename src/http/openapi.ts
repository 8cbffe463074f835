import type { JsonSchema, Limits } from 'push-registry'
import { defaultLimits, inputJsonSchemas } from 'push-registry'
import type { HttpLimits } from './limits.js'

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: JsonSchema): JsonSchema => ({ 'application/json': { schema } })

/** A response whose body is the error shape, with the headers it always carries. */
const error = (description: string, headers: Record<string, JsonSchema> = {}): JsonSchema => ({
  description,
  content: json(ref('Error')),
  ...(Object.keys(headers).length > 0 ? { headers } : {}),
})

const retryAfter: JsonSchema = { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'string', pattern: '^[0-9]+$' } }

/** The answers every routed request may get, whatever its route. */
const common = (auth: boolean): Record<string, JsonSchema> => ({
  '400': { $ref: '#/components/responses/BadRequest' },
  ...(auth ? { '401': { $ref: '#/components/responses/Unauthorized' } } : {}),
  '500': { $ref: '#/components/responses/InternalError' },
  '503': { $ref: '#/components/responses/Unavailable' },
})

/** The answers of a route that reads a JSON body. */
const withBody: Record<string, JsonSchema> = {
  '413': { $ref: '#/components/responses/TooLarge' },
  '415': { $ref: '#/components/responses/UnsupportedMediaType' },
}

/** An HTML page of the operator UI, with the headers it always carries. */
const page = (description: string, headers: Record<string, JsonSchema> = {}): JsonSchema => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
  ...(Object.keys(headers).length > 0 ? { headers } : {}),
})

const userIdParameter: JsonSchema = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The user id (external_id), percent-encoded; `%2F` is a `/` inside the id, never a separator.',
  schema: { type: 'string', minLength: 1 },
}

const body = (schema: JsonSchema): JsonSchema => ({ required: true, content: json(schema) })

const ok = (description: string, schema: JsonSchema): JsonSchema => ({ description, content: json(schema) })

const schemas = (limits: Limits, http: HttpLimits): Record<string, JsonSchema> => {
  const inputs = inputJsonSchemas(limits)
  const id = { type: 'string', minLength: 1, maxLength: limits.maxIdLength }
  const iso = { type: 'string', format: 'date-time' }
  return {
    Issue: {
      type: 'object',
      description: 'Where (a field path), under which rule (a spec id such as S3, R4, or HTTP), and what was wrong. Values are never echoed (S2).',
      properties: { path: { type: 'string' }, rule: { type: 'string', pattern: '^([RSDI][0-9]+|HTTP)$' }, message: { type: 'string' } },
      required: ['path', 'rule', 'message'],
      additionalProperties: false,
    },
    Error: {
      type: 'object',
      properties: { error: ref('Issue') },
      required: ['error'],
      additionalProperties: false,
    },
    ...Object.fromEntries(Object.entries(inputs).map(([type, schema]) => [`Input_${type}`, schema])),
    Input: {
      description: 'One input (the README\'s inputs table), told apart by `type`. Unknown fields are ignored.',
      oneOf: Object.keys(inputs).map((type) => ref(`Input_${type}`)),
      discriminator: { propertyName: 'type', mapping: Object.fromEntries(Object.keys(inputs).map((type) => [type, `#/components/schemas/Input_${type}`])) },
    },
    Inputs: {
      description: `One input, or a batch of at most ${http.maxBatchSize} (a longer batch is a 413 and nothing is applied).`,
      oneOf: [ref('Input'), { type: 'array', items: ref('Input'), maxItems: http.maxBatchSize }],
    },
    Rejection: {
      type: 'object',
      properties: { index: { type: 'integer', minimum: 0 }, issues: { type: 'array', items: ref('Issue'), minItems: 1 } },
      required: ['index', 'issues'],
      additionalProperties: false,
    },
    IngestReport: {
      type: 'object',
      description: 'The inputs applied, and each rejected one with its issues (I11: a rejected input changed nothing).',
      properties: {
        accepted: { type: 'integer', minimum: 0 },
        rejected: { type: 'array', items: ref('Rejection') },
        late: {
          type: 'integer',
          minimum: 0,
          description: "D14: accepted inputs older than their registration's reorder window; their history is appended at their own time.",
        },
      },
      required: ['accepted', 'rejected', 'late'],
      additionalProperties: false,
    },
    PushToken: {
      description: 'An APNs or FCM token string, or a Web Push subscription.',
      oneOf: [
        { type: 'string', minLength: 1 },
        {
          type: 'object',
          properties: {
            endpoint: { type: 'string', minLength: 1 },
            keys: { type: 'object', properties: { p256dh: { type: 'string' }, auth: { type: 'string' } }, required: ['p256dh', 'auth'], additionalProperties: false },
          },
          required: ['endpoint', 'keys'],
          additionalProperties: false,
        },
      ],
    },
    SubscriptionState: { type: 'string', enum: ['subscribed', 'opted_in', 'unsubscribed'] },
    UserExport: {
      type: 'object',
      description: 'R26: a user and their active tokens.',
      properties: {
        external_id: id,
        push_subscribe: ref('SubscriptionState'),
        push_tokens: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              app: { type: 'string' },
              platform: { type: 'string', enum: ['ios', 'android', 'web'] },
              token: ref('PushToken'),
              device_id: id,
              notifications_enabled: { type: 'boolean' },
            },
            required: ['app', 'platform', 'token', 'device_id', 'notifications_enabled'],
            additionalProperties: false,
          },
        },
        uninstalled_at: iso,
      },
      required: ['external_id', 'push_subscribe', 'push_tokens'],
      additionalProperties: false,
    },
    Profile: {
      type: 'object',
      description: 'R25: a user\'s profile, times in ISO-8601.',
      properties: {
        userId: id,
        subscription: ref('SubscriptionState'),
        email: { type: ['string', 'null'] },
        phone: { type: ['string', 'null'] },
        devices: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              appId: id,
              deviceId: id,
              pushRegisteredFor: { type: 'string', pattern: '^(Foreground: .*|Background: .*|--)$' },
              stale: { type: 'boolean' },
              lastSeenAt: { anyOf: [iso, { type: 'null' }] },
            },
            required: ['appId', 'deviceId', 'pushRegisteredFor', 'stale', 'lastSeenAt'],
            additionalProperties: false,
          },
        },
        changelog: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              at: iso,
              appId: id,
              deviceId: id,
              kind: { type: 'string', enum: ['registered', 'rotated', 'transferred_out', 'transferred_in', 'invalidated'] },
              token: ref('PushToken'),
              previousToken: ref('PushToken'),
              from: { anyOf: [id, { type: 'null' }] },
              to: { anyOf: [id, { type: 'null' }] },
              reason: { type: 'string', enum: ['dead', 'uninstalled', 'moved', 'revoked', 'expired', 'erased'] },
            },
            required: ['at', 'appId', 'deviceId', 'kind', 'token', 'from', 'to'],
            additionalProperties: false,
          },
        },
      },
      required: ['userId', 'subscription', 'email', 'phone', 'devices', 'changelog'],
      additionalProperties: false,
    },
  }
}

/**
 * The OpenAPI 3.1 document of the HTTP surface (served at `GET /openapi.json`): every route,
 * its request and response schemas, the error shape, the API-key scheme and the limits the
 * handler was built with. The input schemas are derived from the codecs that decode the
 * inputs; `limits` are the registry's (default {@link defaultLimits}).
 */
export const openApiDocument = (http: HttpLimits, limits: Limits = defaultLimits): JsonSchema => ({
  openapi: '3.1.0',
  info: {
    title: 'push-registry',
    version: '0.1.0',
    description: 'Push registrations: which token belongs to which device, app and user. See docs/http.md.',
  },
  jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
  security: [{ apiKey: [] }],
  paths: {
    '/healthz': {
      get: {
        operationId: 'health',
        security: [],
        responses: { '200': ok('Alive.', { type: 'object', properties: { ok: { const: true } }, required: ['ok'], additionalProperties: false }), ...common(false) },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        security: [],
        responses: { '200': ok('This document.', { type: 'object', required: ['openapi', 'info', 'paths'] }), ...common(false) },
      },
    },
    '/v1/inputs': {
      post: {
        operationId: 'ingest',
        description: 'One input or a batch. Inputs naming an app outside the key\'s list are rejected with rule R4; the rest go through.',
        requestBody: body(ref('Inputs')),
        responses: { '200': ok('The ingest report.', ref('IngestReport')), ...common(true), ...withBody },
      },
    },
    '/v1/users/export/ids': {
      post: {
        operationId: 'exportUsers',
        requestBody: body({
          type: 'object',
          properties: { external_ids: { type: 'array', items: { type: 'string' }, maxItems: http.maxBatchSize } },
          required: ['external_ids'],
        }),
        responses: {
          '200': ok('R26 exports; unknown ids are left out.', { type: 'object', properties: { users: { type: 'array', items: ref('UserExport') } }, required: ['users'], additionalProperties: false }),
          ...common(true),
          ...withBody,
        },
      },
    },
    '/v1/users/export/segment': {
      post: {
        operationId: 'exportSegment',
        requestBody: body({
          type: 'object',
          properties: {
            segment: {
              type: 'string',
              description: 'foregroundPushEnabledForApp:<appId>, foregroundPushEnabled, backgroundOrForegroundPushEnabled, pushSubscription:<state>, uninstalled:<from ISO>/<to ISO>',
            },
          },
          required: ['segment'],
        }),
        responses: {
          '200': {
            // OpenAPI 3.1 has no item schema for streams (3.2's itemSchema): the schema is that of each line.
            description: 'NDJSON, streamed: one R26 export per line; the schema is that of each line.',
            content: { 'application/x-ndjson': { schema: ref('UserExport') } },
          },
          '403': error('The segment names an app the key may not read (R4).'),
          ...common(true),
          ...withBody,
        },
      },
    },
    '/v1/users/{id}': {
      parameters: [userIdParameter],
      delete: {
        operationId: 'eraseUser',
        description: 'Erases the user\'s personal data in every app (registry.erase). Any valid key may ask it.',
        responses: {
          '200': ok('Erased.', { type: 'object', properties: { external_id: { type: 'string' }, erased: { const: true } }, required: ['external_id', 'erased'], additionalProperties: false }),
          '404': error('Unknown or already erased user.'),
          ...common(true),
        },
      },
    },
    '/v1/users/{id}/profile': {
      parameters: [userIdParameter],
      get: {
        operationId: 'profile',
        responses: { '200': ok('The R25 profile.', ref('Profile')), '404': error('Unknown user.'), ...common(true) },
      },
    },
    '/v1/users/{id}/subscription': {
      parameters: [userIdParameter],
      post: {
        operationId: 'setSubscription',
        requestBody: body({ type: 'object', properties: { state: ref('SubscriptionState') }, required: ['state'] }),
        responses: { '200': ok('The new profile (R11).', { anyOf: [ref('Profile'), { type: 'null' }] }), ...common(true), ...withBody },
      },
    },
    '/v1/lookup': {
      get: {
        operationId: 'lookup',
        description: 'Exactly one of `email` or `phone`.',
        parameters: [
          { name: 'email', in: 'query', schema: { type: 'string' } },
          { name: 'phone', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': ok('Who holds it (D11).', { type: 'object', properties: { external_id: { type: 'string' } }, required: ['external_id'], additionalProperties: false }),
          '404': error('Nobody holds it.'),
          ...common(true),
        },
      },
    },
    '/ui/sign-in': {
      post: {
        operationId: 'operatorSignIn',
        security: [],
        description: 'The profile page\'s sign-in form (docs/profile-page.md), mounted with the `ui` option only. HTML, not JSON.',
        requestBody: {
          required: true,
          content: {
            'application/x-www-form-urlencoded': {
              schema: { type: 'object', properties: { operator: { type: 'string' }, secret: { type: 'string' }, csrf: { type: 'string' } }, required: ['operator', 'secret', 'csrf'] },
            },
          },
        },
        responses: {
          '303': { description: 'Signed in: to `/ui`, with the session cookie.', headers: { Location: { required: true, schema: { type: 'string' } } } },
          '400': page('The form could not be read.'),
          '401': page('Unknown operator or wrong secret (alike).'),
          '403': page('The form expired or is not from this site (CSRF).'),
          '413': page('The form is over the limit.'),
          '415': page('Not an HTML form.'),
          '429': page('Too many refused sign-ins for this operator name or address.', { 'Retry-After': retryAfter }),
          '503': page('The storage failed or stayed contended.', { 'Retry-After': retryAfter }),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from the handler\'s `keys`: `Authorization: Bearer <key>`. It may write inputs and read registrations of its apps only (R4, I8).' },
    },
    responses: {
      BadRequest: error('Malformed JSON, a body of the wrong shape, a bad path parameter, a path not in normal form.'),
      Unauthorized: error('A missing, malformed or unknown key (all alike).', { 'WWW-Authenticate': { required: true, schema: { const: 'Bearer' } } }),
      TooLarge: error(`A body over ${http.maxBodyBytes} bytes, or a list over ${http.maxBatchSize} items: nothing applied (S3).`),
      UnsupportedMediaType: error('The body is not application/json.'),
      InternalError: error('A failure the handler did not expect.'),
      Unavailable: error('The storage failed or stayed contended.', { 'Retry-After': retryAfter }),
    },
    schemas: schemas(limits, http),
  },
})
