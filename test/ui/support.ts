import type { AppConfig, Clock, Registry } from 'push-registry'
import { createRegistry } from 'push-registry'
import type { HttpHandler, UiOptions } from 'push-registry/http'
import { createHttpHandler } from 'push-registry/http'
import { createMemoryStorage } from 'push-registry/memory'
import { expect } from 'vitest'
import { storyApps, storyInputs, storyNow } from './charlie-and-kim-story.js'

export const operator = 'ana'
export const operatorSecret = 'correct horse battery staple'
export const uiOptions: UiOptions = {
  operators: { [operator]: operatorSecret, bob: 'another-long-operator-secret' },
  sessionSecret: 'a-session-secret-of-at-least-32-characters!',
  sessionTtlSeconds: 3600,
}

/** A clock the test moves forward by hand (session expiry), starting at the story's "now". */
export const movableClock = (start = storyNow): Clock & { advance: (ms: number) => void } => {
  let now = start
  return { now: () => now, advance: (ms) => (now += ms) }
}

export interface UiSetup {
  readonly registry: Registry
  readonly handler: HttpHandler
  readonly clock: ReturnType<typeof movableClock>
  readonly lines: string[]
}

/** A memory registry told the Charlie / Kim story, behind a handler with the page mounted. */
export const storySetup = async (options: { ui?: UiOptions; apps?: readonly AppConfig[]; inputs?: readonly object[] } = {}): Promise<UiSetup> => {
  const clock = movableClock()
  const registry = createRegistry({ apps: options.apps ?? storyApps, storage: createMemoryStorage(), clock })
  const report = await registry.ingest(options.inputs ?? storyInputs)
  expect(report.rejected).toEqual([])
  const lines: string[] = []
  const handler = createHttpHandler({ registry, keys: { 'api-key-0123456789': ['ios', 'android'] }, clock, log: (line) => lines.push(line), ui: options.ui ?? uiOptions })
  return { registry, handler, clock, lines }
}

const origin = 'http://registry.test'

/** A browser-like client over `handler.fetch`: keeps cookies, does not follow redirects. */
export interface Client {
  readonly get: (path: string) => Promise<Response>
  readonly post: (path: string, fields: Record<string, string>) => Promise<Response>
  /** The cookies the client holds now. */
  readonly jar: Map<string, string>
}

export const client = (handler: HttpHandler): Client => {
  const jar = new Map<string, string>()
  const keep = (response: Response): Response => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      if (/Max-Age=0/.test(cookie)) jar.delete(name)
      else jar.set(name, pair.slice(eq + 1))
    }
    return response
  }
  const cookieHeader = (): Record<string, string> =>
    jar.size === 0 ? {} : { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') }
  return {
    jar,
    get: async (path) => keep(await handler.fetch(new Request(origin + path, { headers: cookieHeader() }))),
    post: async (path, fields) =>
      keep(
        await handler.fetch(
          new Request(origin + path, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...cookieHeader() },
            body: new URLSearchParams(fields).toString(),
          }),
        ),
      ),
  }
}

/** The value of a hidden `csrf` field in a page. */
export const csrfIn = (page: string): string => {
  const match = /name="csrf" value="([^"]*)"/.exec(page)
  if (match === null) throw new Error('the page has no csrf field')
  return match[1] as string
}

/** Signs a client in through the form, as a browser would. */
export const signIn = async (c: Client, name = operator, secret = operatorSecret): Promise<Response> => {
  const form = await c.get('/ui/sign-in')
  return c.post('/ui/sign-in', { csrf: csrfIn(await form.text()), operator: name, secret })
}
