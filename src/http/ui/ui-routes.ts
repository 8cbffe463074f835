import type { Clock, Registry } from 'push-registry'
import { ContentionError, StorageError } from 'push-registry'
import type { Route, RouteContext } from '../routes.js'
import { setSubscription } from '../routes.js'
import { readCookies, sessionCookie, setCookie, signInCookie } from './cookies.js'
import { homePage } from './home-page.js'
import { htmlResponse, redirect } from './html-response.js'
import type { Chrome } from './layout.js'
import { messagePage } from './message-page.js'
import { checkOperator } from './operator-check.js'
import { profilePage, userPath } from './profile-page.js'
import { readForm } from './read-form.js'
import { searchPage } from './search-page.js'
import type { Session } from './session.js'
import { csrfMatches, csrfToken, isNonce, newNonce, openSession, readSession, signInToken, signInTokenMatches } from './session.js'
import { createSignInLimiter } from './sign-in-limiter.js'
import { signInPage } from './sign-in-page.js'
import type { ResolvedUiOptions } from './ui-options.js'

/** What the page's routes need. */
export interface UiDeps {
  readonly registry: Registry
  /** Session expiry, and the time a subscription change is recorded at (as the API route does). */
  readonly clock: Clock
  readonly options: ResolvedUiOptions
  /** The handler's log: refused sign-ins are written there (never the secret). */
  readonly log?: (line: string) => void
}

type Handler = (context: RouteContext) => Promise<Response>

/** The sign-in form's nonce lives for an hour: long enough to type a secret, short enough to go stale. */
const signInNonceSeconds = 60 * 60

/**
 * The log line of a refused sign-in: the operator's name only when it is a configured one (a
 * name typed wrong may be a secret typed in the wrong field), the address reduced to the
 * characters an address has, never the secret.
 */
const refusedLine = (who: { readonly operator: string | null; readonly address: string }, why: string): string =>
  `ui sign-in refused: operator ${who.operator ?? '(not configured)'} from ${who.address.replace(/[^A-Za-z0-9:._[\]-]/g, '?').slice(0, 64)}: ${why}`

const formFailure = (status: 400 | 413 | 415): Response =>
  htmlResponse(status, messagePage(null, 'Bad request', status === 415 ? 'This page only accepts its own HTML forms.' : 'The form could not be read.'))

/**
 * A storage failure becomes a 503 page rather than the API's JSON error: the reader is a
 * person. Anything else is left to the handler's 500.
 */
const guarded =
  (handle: Handler): Handler =>
  async (context) => {
    try {
      return await handle(context)
    } catch (error) {
      if (error instanceof StorageError || error instanceof ContentionError) {
        const response = htmlResponse(503, messagePage(null, 'Unavailable', 'The registry is unavailable; try again in a moment.'))
        response.headers.set('retry-after', '1')
        return response
      }
      throw error
    }
  }

/**
 * The profile page's routes (`/ui…`). They carry `auth: false` because an API key never opens
 * them: each checks the operator's session cookie itself, and every form post its CSRF token.
 */
export const uiRoutes = (deps: UiDeps): readonly Route[] => {
  const { registry, clock, options } = deps
  const configured = new Set(options.operators.map((o) => `operator:${o.name}`))
  const limiter = createSignInLimiter(options.signInLimits, (key) => configured.has(key))
  const cookies = (request: Request): ReadonlyMap<string, string> => readCookies(request.headers.get('cookie'))
  const sessionOf = (request: Request): Session | null => readSession(options, cookies(request).get(sessionCookie), clock.now())
  const chromeOf = (session: Session): Chrome => ({ operator: session.operator, csrf: csrfToken(options, session) })
  const appName = (appId: string): string => registry.apps.find((app) => app.appId === appId)?.name ?? appId
  const staleAfter = (appId: string): number => registry.apps.find((app) => app.appId === appId)?.policy.staleness.staleAfter ?? 0

  /** Signed-in operators only; anyone else, whatever the method, goes to the sign-in form and changes nothing. */
  const signedIn =
    (handle: (context: RouteContext, session: Session) => Promise<Response>): Handler =>
    async (context) => {
      const session = sessionOf(context.request)
      return session === null ? redirect('/ui/sign-in') : handle(context, session)
    }

  /** A form post of a signed-in operator whose CSRF field matches the session; else 403 and nothing changes. */
  const posted =
    (handle: (context: RouteContext, session: Session, fields: URLSearchParams) => Promise<Response>): Handler =>
    signedIn(async (context, session) => {
      const form = await readForm(context.request)
      if (!form.ok) return formFailure(form.status)
      if (!csrfMatches(options, session, form.fields.get('csrf'))) {
        return htmlResponse(403, messagePage(chromeOf(session), 'Forbidden', 'This form is not from your current session (CSRF check failed). Nothing was changed: reload the page and try again.'))
      }
      return handle(context, session, form.fields)
    })

  const find = async (query: string): Promise<string | null> => {
    const asId = async (): Promise<string | null> => ((await registry.profile(query)) === null ? null : query)
    if (query.includes('@')) return (await registry.lookup({ email: query })) ?? (await asId())
    return (await asId()) ?? (await registry.lookup({ phone: query }))
  }

  const home: Handler = signedIn(async (_, session) => {
    // One overview per app, each three store queries answered from the store's counters.
    const overviews = await Promise.all(registry.apps.map((app) => registry.tokenHealth(app.appId)))
    return htmlResponse(200, homePage(chromeOf(session), overviews.flatMap((o) => (o === null ? [] : [o])), appName))
  })

  return [
    { label: '/ui', pattern: /^\/ui\/?$/, auth: false, methods: { GET: guarded(home) } },
    {
      label: '/ui/sign-in',
      pattern: /^\/ui\/sign-in$/,
      auth: false,
      methods: {
        GET: guarded(async ({ request }) => {
          if (sessionOf(request) !== null) return redirect('/ui')
          const existing = cookies(request).get(signInCookie)
          const nonce = isNonce(existing) ? existing : newNonce()
          return htmlResponse(200, signInPage(signInToken(options, nonce), null), [setCookie(signInCookie, nonce, signInNonceSeconds, options.secureCookies)])
        }),
        POST: guarded(async ({ request, peer }) => {
          const form = await readForm(request)
          if (!form.ok) return formFailure(form.status)
          const nonce = cookies(request).get(signInCookie)
          if (!signInTokenMatches(options, nonce, form.fields.get('csrf'))) {
            return htmlResponse(403, messagePage(null, 'Forbidden', 'This sign-in form has expired or is not from this site. Open the sign-in page again.'))
          }
          const name = (form.fields.get('operator') ?? '').slice(0, 128)
          const address = options.clientAddress(request, peer)
          // Every typed name is counted alike, so that a lock-out does not tell a configured name from another.
          const keys = [`operator:${name}`, `address:${address}`]
          const now = clock.now()
          const shown = { operator: configured.has(keys[0] as string) ? name : null, address }
          const admission = limiter.admit(keys, now)
          if (!admission.admitted) {
            const seconds = Math.ceil(admission.retryAfterMs / 1000)
            deps.log?.(refusedLine(shown, `locked out for ${seconds} s`))
            const page = signInPage(signInToken(options, nonce as string), `Too many failed sign-ins. Try again in ${seconds} s.`)
            const response = htmlResponse(429, page)
            response.headers.set('retry-after', String(seconds))
            return response
          }
          const operator = checkOperator(options.operators, name, form.fields.get('secret') ?? '')
          if (operator === null) {
            const failures = limiter.failed(keys, now)
            deps.log?.(refusedLine(shown, `unknown operator or wrong secret, failure ${failures}`))
            // The same answer for an unknown name and a wrong secret.
            return htmlResponse(401, signInPage(signInToken(options, nonce as string), 'Unknown operator or wrong secret.'))
          }
          limiter.succeeded(keys)
          const { cookie } = openSession(options, operator, now)
          return redirect('/ui', [
            setCookie(sessionCookie, cookie, Math.floor(options.sessionTtlMs / 1000), options.secureCookies),
            setCookie(signInCookie, '', 0, options.secureCookies),
          ])
        }),
      },
    },
    {
      label: '/ui/sign-out',
      pattern: /^\/ui\/sign-out$/,
      auth: false,
      methods: { POST: guarded(posted(async () => redirect('/ui/sign-in', [setCookie(sessionCookie, '', 0, options.secureCookies)]))) },
    },
    {
      label: '/ui/search',
      pattern: /^\/ui\/search$/,
      auth: false,
      methods: {
        GET: guarded(
          signedIn(async ({ url }, session) => {
            const query = (url.searchParams.get('q') ?? '').trim().slice(0, 320)
            if (query === '') return redirect('/ui')
            const userId = await find(query)
            return userId === null ? htmlResponse(404, searchPage(chromeOf(session), query)) : redirect(userPath(userId))
          }),
        ),
      },
    },
    {
      label: '/ui/users/:id',
      pattern: /^\/ui\/users\/([^/]+)$/,
      auth: false,
      methods: {
        GET: guarded(
          signedIn(async ({ url, params }, session) => {
            const profile = await registry.profile(params[0] as string)
            if (profile === null) return htmlResponse(404, messagePage(chromeOf(session), 'Not found', 'No user has this external id.'))
            return htmlResponse(200, profilePage({ chrome: chromeOf(session), profile, appName, staleAfter, saved: url.searchParams.get('saved') === '1' }))
          }),
        ),
      },
    },
    {
      label: '/ui/users/:id/subscription',
      pattern: /^\/ui\/users\/([^/]+)\/subscription$/,
      auth: false,
      methods: {
        POST: guarded(
          posted(async ({ params }, session, fields) => {
            const userId = params[0] as string
            // Unlike the API, the page only changes users it can show: a mistyped id must not create one (D11).
            if ((await registry.profile(userId)) === null) {
              return htmlResponse(404, messagePage(chromeOf(session), 'Not found', 'No user has this external id. Nothing was changed.'))
            }
            const issue = await setSubscription({ registry, clock }, userId, fields.get('state'))
            if (issue !== null) {
              return htmlResponse(400, messagePage(chromeOf(session), 'Not changed', `The subscription state was refused: ${issue.message} (${issue.rule}). Nothing was changed.`))
            }
            return redirect(`${userPath(userId)}?saved=1`)
          }),
        ),
      },
    },
  ]
}
