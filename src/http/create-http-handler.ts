import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Clock, Registry } from 'push-registry'
import { ContentionError, StorageError, systemClock } from 'push-registry'
import type { ApiKeys } from './api-keys.js'
import { keyCheck } from './api-keys.js'
import { clientClosed, errorResponse, notNormalPath, unauthorized } from './http-error.js'
import type { HttpLimits } from './limits.js'
import { defaultHttpLimits } from './limits.js'
import { nodeAdapter } from './node-adapter.js'
import { isNormalPath } from './normal-path.js'
// Bundled with the handler (a few functions): the API's global providers are shared all the same.
import { measureHttp, recordHttpDuration } from '../registry/telemetry.js'
import type { Route } from './routes.js'
import { routes } from './routes.js'
import { uiRoutes } from './ui/ui-routes.js'
import type { UiOptions } from './ui/ui-options.js'
import { resolveUiOptions } from './ui/ui-options.js'

/** Options of {@link createHttpHandler}. */
export interface HttpHandlerOptions {
  /** The registry the routes read and write. */
  readonly registry: Registry
  /** API keys and the app ids each may write inputs for (R4, I8). Reads need any valid key. */
  readonly keys: ApiKeys
  /** Body and batch limits (S3). Default: {@link defaultHttpLimits}. */
  readonly limits?: Partial<HttpLimits>
  /** The time `POST /v1/users/{id}/subscription` is recorded at; use the registry's clock. Default: the system clock. */
  readonly clock?: Clock
  /**
   * Receives one line per request: method, route pattern, status, milliseconds; and one per
   * refused sign-in on the profile page. Never bodies, keys, secrets or tokens (S2).
   */
  readonly log?: (line: string) => void
  /**
   * Mounts the profile page for support staff under `/ui` (see docs/profile-page.md): operators
   * sign in with their own secret, never an API key. Without it, `/ui` is a 404.
   */
  readonly ui?: UiOptions
}

/** The handler, as a Fetch function and as a `node:http` request listener. */
export interface HttpHandler {
  /** Answers a Fetch `Request`; never rejects (a failure it did not expect is a 500). */
  readonly fetch: (request: Request) => Promise<Response>
  /**
   * A `node:http` request listener over {@link HttpHandler.fetch}: bodies limited, responses
   * streamed. Its promise settles (never rejects) once the answer is written or abandoned.
   */
  readonly node: (req: IncomingMessage, res: ServerResponse) => Promise<void>
}

interface Answer {
  readonly label: string
  readonly response: Response
  /** Appended to the log line. */
  readonly note?: string
}

const methodOf = (method: string): string => (/^[A-Z]{1,16}$/.test(method) ? method : '?')

/**
 * A route's handler for a method, looked up among the route's own entries only: a method named
 * `constructor`, `toString` or `__proto__` must not find what every object inherits.
 */
const handlerOf = (route: Route, method: string): Route['methods'][keyof Route['methods']] =>
  Object.hasOwn(route.methods, method) ? route.methods[method as keyof Route['methods']] : undefined

const decodeParams = (match: RegExpExecArray): string[] | null => {
  try {
    return match.slice(1).map((p) => decodeURIComponent(p))
  } catch {
    return null
  }
}

/**
 * Builds the HTTP surface of a registry: `POST /v1/inputs`, user exports, profiles, lookups,
 * subscription changes and `GET /healthz`, without any web framework.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createHttpHandler } from 'push-registry/http'
 *
 * const handler = createHttpHandler({ registry, keys: { [process.env.IOS_KEY!]: ['ios'] } })
 * createServer(handler.node).listen(8080)
 * ```
 * @throws UiConfigError when `ui` is given with options that cannot work (no operator, a short secret).
 */
export const createHttpHandler = (options: HttpHandlerOptions): HttpHandler => {
  const limits: HttpLimits = { ...defaultHttpLimits, ...options.limits }
  const check = keyCheck(options.keys)
  const clock = options.clock ?? systemClock
  const log = options.log
  const ui = options.ui === undefined ? [] : uiRoutes({ registry: options.registry, clock, options: resolveUiOptions(options.ui), ...(log === undefined ? {} : { log }) })
  const table: readonly Route[] = [...routes({ registry: options.registry, clock, limits }), ...ui]

  const route = async (request: Request, peer: string | undefined, method: string): Promise<Answer> => {
    const url = new URL(request.url)
    if (!isNormalPath(url.pathname)) return { label: '(path)', response: notNormalPath() }
    for (const candidate of table) {
      const match = candidate.pattern.exec(url.pathname)
      if (match === null) continue
      const label = candidate.label
      const handle = handlerOf(candidate, method)
      if (handle === undefined) {
        const allow = Object.keys(candidate.methods).join(', ')
        return { label, response: errorResponse(405, { path: 'method', rule: 'HTTP', message: `allowed: ${allow}` }, { allow }) }
      }
      const apps = candidate.auth ? check(request.headers.get('authorization')) : new Set<string>()
      if (apps === null) return { label, response: unauthorized() }
      const params = decodeParams(match)
      if (params === null) return { label, response: errorResponse(400, { path: 'url', rule: 'S3', message: 'is not a valid percent-encoded path' }) }
      try {
        return { label, response: await handle({ request, url, params, apps, peer }) }
      } catch (error) {
        // The client went away (its body broke off): nobody to answer, and no fault of ours.
        if (request.signal.aborted) return { label, response: clientClosed(), note: '(connection closed mid-request)' }
        throw error
      }
    }
    return { label: '(unknown)', response: errorResponse(404, { path: 'url', rule: 'HTTP', message: 'no such route' }) }
  }

  const answer = async (request: Request, peer: string | undefined, method: string): Promise<Answer> => {
    try {
      return await route(request, peer, method)
    } catch (error) {
      // The storage being down or contended is not the client's fault, and not a bug either.
      if (error instanceof StorageError || error instanceof ContentionError) {
        return { label: '(storage)', response: errorResponse(503, { path: 'storage', rule: 'HTTP', message: 'the registry is unavailable, retry later' }, { 'retry-after': '1' }) }
      }
      return { label: '(error)', response: errorResponse(500, { path: 'server', rule: 'HTTP', message: 'internal error' }) }
    }
  }

  const record = (method: string, label: string, status: number, started: number, note?: string): void => {
    recordHttpDuration(method, label, status, started)
    log?.(`${methodOf(method)} ${label} ${status} ${Math.round(performance.now() - started)}ms${note === undefined ? '' : ` ${note}`}`)
  }

  const serve = async (request: Request, peer: string | undefined, method = request.method): Promise<Response> => {
    const started = performance.now()
    const { label, response, note } = await measureHttp(method, () => answer(request, peer, method))
    record(method, label, response.status, started, note)
    return response
  }

  return { fetch: (request) => serve(request, undefined), node: nodeAdapter({ fetch: serve, maxBodyBytes: limits.maxBodyBytes, record }) }
}
