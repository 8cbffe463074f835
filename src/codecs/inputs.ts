import * as t from 'io-ts'
import type { AppId, DeviceId, DispatchId, UserId } from '../domain/brand.js'
import type { Input, Permission, PromptResult, SubscriptionState } from '../domain/input.js'
import type { PushToken, WebPushSubscription } from '../domain/token.js'
import { canonicalEndpoint } from './endpoint.js'
import { ruleMessage } from './issue.js'
import { jsonSchemaOf, withJsonSchema } from './json-schema.js'
import type { Limits } from './limits.js'
import { boundedInteger, boundedString, InstantFromIso, isStorableText, oneOf, orNull } from './primitives.js'

/** The io-ts codecs of every input of the vectors format, built for one set of limits. */
export const inputCodecs = (limits: Limits) => {
  const id = <A extends string>(name: string) => boundedString<A>(name, 1, limits.maxIdLength)
  const AppIdC = id<AppId>('AppId')
  const DeviceIdC = id<DeviceId>('DeviceId')
  const UserIdC = id<UserId>('UserId')
  const DispatchIdC = id<DispatchId>('DispatchId')
  const Key = boundedString('WebPushKey', 1, 512)

  const Endpoint = withJsonSchema(new t.Type<string, string, unknown>(
    'WebPushEndpoint',
    (u): u is string => typeof u === 'string',
    (u, c) => {
      if (typeof u !== 'string') return t.failure(u, c, ruleMessage('S3', u === undefined ? 'is required' : 'must be a string'))
      if (u.length > limits.maxTokenLength) {
        return t.failure(u, c, ruleMessage('S3', `must be at most ${limits.maxTokenLength} characters (got ${u.length})`))
      }
      if (!isStorableText(u)) return t.failure(u, c, ruleMessage('S3', 'must be well-formed text without NUL characters'))
      // S1, I2: stored, identified and handed out in its canonical spelling only.
      const check = canonicalEndpoint(u, limits.webPushHosts)
      if ('problem' in check) return t.failure(u, c, ruleMessage('S1', check.problem))
      if (check.endpoint.length > limits.maxTokenLength) {
        return t.failure(u, c, ruleMessage('S3', `must be at most ${limits.maxTokenLength} characters once canonical (got ${check.endpoint.length})`))
      }
      return t.success(check.endpoint)
    },
    (a) => a,
  ), {
    type: 'string',
    minLength: 1,
    maxLength: limits.maxTokenLength,
    description: `An https: URL of an allow-listed push service (S1, D13: ${limits.webPushHosts.join(', ')}), no user info, the default port; stored in its canonical WHATWG spelling, which must also fit.`,
  })

  const Subscription: t.Type<WebPushSubscription, WebPushSubscription, unknown> = t.exact(
    t.type({ endpoint: Endpoint, keys: t.exact(t.type({ p256dh: Key, auth: Key })) }),
  )
  const TokenString = boundedString('TokenString', 1, limits.maxTokenLength)

  /** A token string (APNs, FCM) or a Web Push subscription (S1, S3). */
  const Token = withJsonSchema(new t.Type<PushToken, PushToken, unknown>(
    'PushToken',
    (u): u is PushToken => TokenString.is(u) || Subscription.is(u),
    (u, c) =>
      typeof u === 'string'
        ? TokenString.validate(u, c)
        : typeof u === 'object' && u !== null && !Array.isArray(u)
          ? Subscription.validate(u, c)
          : t.failure(u, c, ruleMessage('S3', 'must be a token string or a Web Push subscription')),
    (a) => a,
  ), { oneOf: [jsonSchemaOf(TokenString), jsonSchemaOf(Subscription)] })

  const PermissionC = oneOf<Permission>('Permission', ['granted', 'provisional', 'denied', 'not_determined'])
  const PromptResultC = oneOf<PromptResult>('PromptResult', ['granted', 'provisional', 'denied'])
  const StateC = oneOf<SubscriptionState>('SubscriptionState', ['subscribed', 'opted_in', 'unsubscribed'], 'R11')
  const Environment = oneOf('ApnsEnvironment', ['sandbox', 'production'] as const, 'S4')
  const ProviderC = boundedString('Provider', 1, 64)
  const Email = boundedString('Email', 3, 320)
  const Phone = boundedString('Phone', 1, 64)

  const strict = <R extends t.Props, O extends t.Props>(name: string, required: R, optional: O) =>
    withFastDecode(t.exact(t.intersection([t.type(required), t.partial(optional)]), name), required, optional)
  const literal = <L extends string>(value: L) => t.literal(value)
  const device = { at: InstantFromIso, appId: AppIdC, deviceId: DeviceIdC }

  return {
    session_started: strict(
      'SessionStarted',
      { type: literal('session_started'), ...device, permission: PermissionC },
      { userId: UserIdC, token: Token, osVersion: boundedString('OsVersion', 1, 64), apnsEnvironment: Environment },
    ),
    token_reported: strict(
      'TokenReported',
      { type: literal('token_reported'), ...device, permission: PermissionC },
      { token: Token, osVersion: boundedString('OsVersion', 1, 64), apnsEnvironment: Environment },
    ),
    prompt_answered: strict('PromptAnswered', { type: literal('prompt_answered'), ...device, result: PromptResultC }, {}),
    user_changed: strict('UserChanged', { type: literal('user_changed'), ...device, userId: UserIdC }, {}),
    logged_out: strict('LoggedOut', { type: literal('logged_out'), ...device, userId: UserIdC }, {}),
    uninstalled: strict('Uninstalled', { type: literal('uninstalled'), ...device }, {}),
    provider_answer: strict(
      'ProviderAnswer',
      {
        type: literal('provider_answer'),
        at: InstantFromIso,
        appId: AppIdC,
        token: Token,
        provider: ProviderC,
        status: boundedInteger('HttpStatus', 0, 599),
      },
      {
        reason: boundedString('Reason', 1, 256),
        detail: boundedString('Detail', 1, 4096),
        timestamp: boundedInteger('EpochMillis', 0, 8.64e15, 'R17'),
        dispatchId: DispatchIdC,
      },
    ),
    subscription_set: strict(
      'SubscriptionSet',
      { type: literal('subscription_set'), at: InstantFromIso, userId: UserIdC, state: StateC },
      {},
    ),
    user_attributes: strict(
      'UserAttributes',
      { type: literal('user_attributes'), at: InstantFromIso, userId: UserIdC },
      { email: orNull(Email), phone: orNull(Phone) },
    ),
    delivery_reported: strict(
      'DeliveryReported',
      {
        type: literal('delivery_reported'),
        ...device,
        dispatchId: DispatchIdC,
        event: oneOf('DeliveryEvent', ['received', 'opened'] as const),
      },
      {},
    ),
    // `user_erased` is written by `registry.erase`, never accepted from outside.
  } satisfies { readonly [K in Exclude<Input["type"], 'user_erased'>]: t.Decoder<unknown, Extract<Input, { type: K }>> }
}

export type InputCodecs = ReturnType<typeof inputCodecs>

/**
 * A decoder that answers what the codec's `decode` answers for a valid input, or `undefined`
 * when it cannot say (then the codec itself decodes, and names every issue).
 */
export type FastDecode = (u: unknown) => unknown

const fastDecoders = new WeakMap<object, FastDecode>()

/** The fast path of an input codec, when it has one. */
export const fastDecodeOf = (codec: object): FastDecode | undefined => fastDecoders.get(codec)

/**
 * A plain object (its prototype is `Object.prototype`) whose fields, added one by one, live
 * inside the object: `{}` has room for four, and the rest of a decoded input's eight or nine
 * would go to a separate property array (the engine sizes objects made by a constructor from
 * those it made before). Decoded inputs are kept as facts, by the million.
 */
function PlainObject(): void {}
PlainObject.prototype = Object.prototype

/** Failures of the fast path are thrown away, so it needs no context of its own. */
const noContext: t.Context = []

/**
 * The valid-input path of `t.exact(t.intersection([t.type(required), t.partial(optional)]))`,
 * without what io-ts builds for issues it may have to report (a context per field, both
 * members' results merged, then stripped): an input is decoded once per field, and the result
 * is what the codec gives, field for field and in the input's key order (own keys of the
 * declared props, unknown keys left out). Anything unusual (not a plain object, a field that
 * fails or holds `undefined`, a required field missing or inherited) answers `undefined`, and
 * the codec decides.
 */
const withFastDecode = <C extends t.Any>(codec: C, required: t.Props, optional: t.Props): C => {
  const fields = new Map<string, { readonly codec: t.Mixed; readonly required: boolean }>()
  for (const [key, field] of Object.entries(optional)) fields.set(key, { codec: field, required: false })
  for (const [key, field] of Object.entries(required)) fields.set(key, { codec: field, required: true })
  const requiredCount = Object.keys(required).length
  fastDecoders.set(codec, (u) => {
    if (Object.prototype.toString.call(u) !== '[object Object]') return undefined
    const input = u as Record<string, unknown>
    const out = new (PlainObject as unknown as new () => Record<string, unknown>)()
    let found = 0
    for (const key of Object.keys(input)) {
      const field = fields.get(key)
      if (field === undefined) continue
      const value = input[key]
      if (value === undefined) return undefined
      const decoded = field.codec.validate(value, noContext)
      if (decoded._tag === 'Left') return undefined
      out[key] = decoded.right
      if (field.required) found++
    }
    return found === requiredCount ? out : undefined
  })
  return codec
}
