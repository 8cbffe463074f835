import type { Clock, ReadScope, Registry } from 'push-registry'
import { parseSegment, profileToJson } from 'push-registry'
import type { HttpIssue } from './http-error.js'
import { errorResponse, jsonResponse } from './http-error.js'
import type { HttpLimits } from './limits.js'
import { openApiDocument } from './openapi.js'
import { readJsonBody } from './read-body.js'
import { scopedIngest } from './scoped-ingest.js'

/** What a route handler gets: the request, its URL, path parameters and the key's apps. */
export interface RouteContext {
  readonly request: Request
  readonly url: URL
  readonly params: readonly string[]
  readonly apps: ReadonlySet<string>
  /** The client's address as the transport saw it: the socket's peer on `node:http`, `undefined` on a Fetch runtime. */
  readonly peer: string | undefined
}

/** What routes need from the handler's options. */
export interface RouteDeps {
  readonly registry: Registry
  readonly clock: Clock
  readonly limits: HttpLimits
}

type Method = 'GET' | 'POST' | 'DELETE'

/** One route: a path pattern, whether it needs a key, and a handler per method. */
export interface Route {
  /** For logs: the pattern, never the concrete path (which may hold user ids). */
  readonly label: string
  readonly pattern: RegExp
  readonly auth: boolean
  readonly methods: Partial<Record<Method, (context: RouteContext) => Promise<Response>>>
}

const bad = (issue: HttpIssue): Response => errorResponse(400, issue)

/**
 * R4, I8: a key reads only its own apps' registrations. Users are shared across apps, so a key
 * still sees a user's id, subscription state and contact fields, never another app's devices,
 * tokens or changelog.
 */
const scopeOf = (apps: ReadonlySet<string>): ReadScope => ({ apps: [...apps] })

/** Reads a JSON body, or answers why not. */
const withBody = async (deps: RouteDeps, request: Request, use: (body: unknown) => Promise<Response>): Promise<Response> => {
  const body = await readJsonBody(request, deps.limits.maxBodyBytes)
  return body.ok ? use(body.value) : errorResponse(body.status, body.issue)
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** R26: streams exports as NDJSON; the first one is pulled before answering, so a storage failure is still a 503. */
const ndjson = async (exports: AsyncIterable<unknown>): Promise<Response> => {
  const iterator = exports[Symbol.asyncIterator]()
  const first = await iterator.next()
  const encoder = new TextEncoder()
  let pending: IteratorResult<unknown> | null = first
  const stream = new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      const next = pending ?? (await iterator.next())
      pending = null
      if (next.done === true) controller.close()
      else controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`))
    },
    cancel: async () => {
      await iterator.return?.()
    },
  })
  return new Response(stream, { status: 200, headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' } })
}

/**
 * R11: an explicit change of a user's subscription state, ingested as a `subscription_set`
 * input at the handler's clock. The one path both `POST /v1/users/{id}/subscription` and the
 * profile page's form take. Answers the first issue of a rejected input (paths as the registry
 * gives them: `input.userId`, `input.state`), or `null` once applied.
 */
export const setSubscription = async (deps: Pick<RouteDeps, 'registry' | 'clock'>, userId: string, state: unknown): Promise<HttpIssue | null> => {
  const input = { type: 'subscription_set', at: new Date(deps.clock.now()).toISOString(), userId, state }
  const report = await deps.registry.ingest(input)
  return report.refused ?? report.rejected[0]?.issues[0] ?? null
}

/** The routes of the HTTP surface, first match wins. */
export const routes = (deps: RouteDeps): readonly Route[] => {
  const openApi = openApiDocument(deps.limits)
  return [
    {
      label: '/healthz',
      pattern: /^\/healthz$/,
      auth: false,
      methods: { GET: async () => jsonResponse(200, { ok: true }) },
    },
    {
      // The document describes shapes, never data: no key, so that client generators can read it.
      label: '/openapi.json',
      pattern: /^\/openapi\.json$/,
      auth: false,
      methods: { GET: async () => jsonResponse(200, openApi) },
    },
    {
      label: '/v1/inputs',
      pattern: /^\/v1\/inputs$/,
      auth: true,
      methods: {
        POST: ({ request, apps }) =>
          withBody(deps, request, async (body) => {
            if (Array.isArray(body) && body.length > deps.limits.maxBatchSize) {
              return errorResponse(413, { path: 'inputs', rule: 'S3', message: `a batch holds at most ${deps.limits.maxBatchSize} inputs` })
            }
            const report = await scopedIngest(deps.registry, body, apps)
            return report.refused !== undefined ? errorResponse(413, report.refused) : jsonResponse(200, report)
          }),
      },
    },
    {
      label: '/v1/users/export/ids',
      pattern: /^\/v1\/users\/export\/ids$/,
      auth: true,
      methods: {
        POST: ({ request, apps }) =>
          withBody(deps, request, async (body) => {
            const ids = isRecord(body) ? body['external_ids'] : undefined
            if (!Array.isArray(ids) || !ids.every((id): id is string => typeof id === 'string')) {
              return bad({ path: 'body.external_ids', rule: 'S3', message: 'must be a list of user ids' })
            }
            if (ids.length > deps.limits.maxBatchSize) {
              return errorResponse(413, { path: 'body.external_ids', rule: 'S3', message: `holds at most ${deps.limits.maxBatchSize} ids` })
            }
            return jsonResponse(200, { users: await deps.registry.exportUsers(ids, scopeOf(apps)) })
          }),
      },
    },
    {
      label: '/v1/users/export/segment',
      pattern: /^\/v1\/users\/export\/segment$/,
      auth: true,
      methods: {
        POST: ({ request, apps }) =>
          withBody(deps, request, async (body) => {
            const name = isRecord(body) ? body['segment'] : undefined
            if (typeof name !== 'string') return bad({ path: 'body.segment', rule: 'S3', message: 'must be a segment name' })
            const segment = parseSegment(name)
            if (segment._tag === 'Left') return bad({ ...segment.left, path: `body.${segment.left.path}` })
            if (segment.right.kind === 'foregroundPushEnabledForApp' && !apps.has(segment.right.appId)) {
              return errorResponse(403, { path: 'body.segment', rule: 'R4', message: 'names an app this API key may not read' })
            }
            return ndjson(deps.registry.exportSegment(segment.right, scopeOf(apps)))
          }),
      },
    },
    {
      // Erasure is the person's right and users are shared across apps (as for a subscription
      // change), so any valid key may ask it; it removes the user from every app.
      label: '/v1/users/:id',
      pattern: /^\/v1\/users\/([^/]+)$/,
      auth: true,
      methods: {
        DELETE: async ({ params }) => {
          const userId = params[0] as string
          const report = await deps.registry.erase(userId)
          return report.erased ? jsonResponse(200, { external_id: userId, erased: true }) : errorResponse(404, { path: 'userId', rule: 'R25', message: 'no such user' })
        },
      },
    },
    {
      label: '/v1/users/:id/profile',
      pattern: /^\/v1\/users\/([^/]+)\/profile$/,
      auth: true,
      methods: {
        GET: async ({ params, apps }) => {
          const profile = await deps.registry.profile(params[0] as string, scopeOf(apps))
          return profile === null ? errorResponse(404, { path: 'userId', rule: 'R25', message: 'no such user' }) : jsonResponse(200, profileToJson(profile))
        },
      },
    },
    {
      label: '/v1/users/:id/subscription',
      pattern: /^\/v1\/users\/([^/]+)\/subscription$/,
      auth: true,
      methods: {
        POST: ({ request, params, apps }) =>
          withBody(deps, request, async (body) => {
            const userId = params[0] as string
            const state = isRecord(body) ? body['state'] : undefined
            const issue = await setSubscription(deps, userId, state)
            if (issue !== null) {
              // The client sent a path parameter and a body, not an input: point at those.
              const path = issue.path.startsWith('input.userId') ? 'userId' : issue.path.replace(/^input/, 'body')
              return bad({ ...issue, path })
            }
            const profile = await deps.registry.profile(userId, scopeOf(apps))
            return jsonResponse(200, profile === null ? null : profileToJson(profile))
          }),
      },
    },
    {
      label: '/v1/lookup',
      pattern: /^\/v1\/lookup$/,
      auth: true,
      methods: {
        GET: async ({ url }) => {
          const email = url.searchParams.getAll('email')
          const phone = url.searchParams.getAll('phone')
          if (email.length + phone.length !== 1) {
            return bad({ path: 'query', rule: 'S3', message: 'needs exactly one of email or phone' })
          }
          const userId = await deps.registry.lookup(email[0] !== undefined ? { email: email[0] } : { phone: phone[0] as string })
          return userId === null ? errorResponse(404, { path: email.length > 0 ? 'query.email' : 'query.phone', rule: 'D11', message: 'nobody holds it' }) : jsonResponse(200, { external_id: userId })
        },
      },
    },
  ]
}
