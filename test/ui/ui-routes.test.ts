import { collect } from 'push-registry'
import { describe, expect, it } from 'vitest'
import type { AppConfig, Registry } from 'push-registry'
import { redact } from 'push-registry'
import { createHttpHandler, UiConfigError } from 'push-registry/http'
import { iphoneToken, iphoneTokenAfterReinstall, kimEmail, kimPhone, storyTokens } from './charlie-and-kim-story.js'
import type { Client } from './support.js'
import { client, csrfIn, operator, signIn, storySetup, uiOptions } from './support.js'

/** Everything a page could change, for before/after comparisons. */
const snapshot = async (registry: Registry) => ({
  registrations: await collect(registry.registrations()),
  users: await registry.exportUsers(['charlie', 'kim']),
  profiles: await Promise.all(['charlie', 'kim'].map((id) => registry.profile(id))),
})

const signedIn = async (): Promise<{ setup: Awaited<ReturnType<typeof storySetup>>; c: Client }> => {
  const setup = await storySetup()
  const c = client(setup.handler)
  expect((await signIn(c)).status).toBe(303)
  return { setup, c }
}

/** The text of the Engagement lines of a profile page, in order. */
const engagementLines = (page: string): string[] => [...page.matchAll(/<td class="line[^"]*">([^<]*)<\/td>/g)].map((m) => m[1] as string)

/** The timeline items of a profile page, tags stripped and spaces collapsed. */
const timeline = (page: string): string[] =>
  [...page.matchAll(/<li class="[a-z_]+">([\s\S]*?)<\/li>/g)].map((m) => (m[1] as string).replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim())

describe('mounting', () => {
  it('without ui options, /ui is an unknown route', async () => {
    const setup = await storySetup()
    const handler = createHttpHandler({ registry: setup.registry, keys: {} })
    expect((await handler.fetch(new Request('http://registry.test/ui'))).status).toBe(404)
  })

  it('refuses options that cannot be safe, naming the option and never the secret', () => {
    const build = (ui: Parameters<typeof createHttpHandler>[0]['ui']) => () => createHttpHandler({ registry: {} as Registry, keys: {}, ui })
    expect(build({ ...uiOptions, sessionSecret: 'short-secret' })).toThrow(UiConfigError)
    expect(build({ ...uiOptions, sessionSecret: 'short-secret' })).toThrow(/ui\.sessionSecret/)
    expect(build({ ...uiOptions, operators: {} })).toThrow(/ui\.operators/)
    expect(build({ ...uiOptions, operators: { ana: 'tooshort' } })).toThrow(/ui\.operators\.ana/)
    expect(build({ ...uiOptions, operators: { ana: 'tooshort' } })).not.toThrow(/tooshort/)
    expect(build({ ...uiOptions, operators: { '<ana>': 'long-enough-secret-value' } })).toThrow(/ui\.operators/)
    expect(build({ ...uiOptions, sessionTtlSeconds: 0 })).toThrow(/ui\.sessionTtlSeconds/)
  })
})

describe('access', () => {
  it('unauthenticated requests to any page are redirected to the sign-in form', async () => {
    const { handler } = await storySetup()
    const c = client(handler)
    for (const path of ['/ui', '/ui/', '/ui/search?q=kim', '/ui/users/kim']) {
      const response = await c.get(path)
      expect(response.status, path).toBe(303)
      expect(response.headers.get('location'), path).toBe('/ui/sign-in')
    }
  })

  it('R11: an unauthenticated subscription post is redirected and changes nothing', async () => {
    const { handler, registry } = await storySetup()
    const before = await snapshot(registry)
    const response = await client(handler).post('/ui/users/kim/subscription', { state: 'unsubscribed', csrf: 'x' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/ui/sign-in')
    expect(await snapshot(registry)).toEqual(before)
  })

  it('an API key does not open the page', async () => {
    const { handler } = await storySetup()
    const response = await handler.fetch(new Request('http://registry.test/ui/users/kim', { headers: { authorization: 'Bearer api-key-0123456789' } }))
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/ui/sign-in')
  })

  it('signing in sets an HttpOnly, SameSite=Strict, Secure session cookie scoped to /ui that expires', async () => {
    const { handler } = await storySetup()
    const response = await signIn(client(handler))
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/ui')
    const session = response.headers.getSetCookie().find((cookie) => cookie.startsWith('push_registry_ui='))
    expect(session).toMatch(/; Path=\/ui; Max-Age=3600; HttpOnly; SameSite=Strict; Secure$/)
  })

  it('an unknown operator and a wrong secret get the same 401 and no session', async () => {
    const { handler } = await storySetup()
    const wrongSecret = await signIn(client(handler), operator, 'not the right secret at all')
    const unknown = await signIn(client(handler), 'mallory', 'not the right secret at all')
    expect(wrongSecret.status).toBe(401)
    expect(unknown.status).toBe(401)
    for (const response of [wrongSecret, unknown]) expect(response.headers.getSetCookie().some((c) => c.startsWith('push_registry_ui='))).toBe(false)
    const strip = (page: string): string => page.replace(/name="csrf" value="[^"]*"/, '')
    expect(strip(await wrongSecret.text())).toBe(strip(await unknown.text()))
  })

  it('a sign-in post without the form token of this browser is refused (login CSRF)', async () => {
    const { handler } = await storySetup()
    const attacker = client(handler)
    const token = csrfIn(await (await attacker.get('/ui/sign-in')).text())
    const victim = client(handler)
    const response = await victim.post('/ui/sign-in', { csrf: token, operator, secret: uiOptions.operators[operator] as string })
    expect(response.status).toBe(403)
    expect(victim.jar.has('push_registry_ui')).toBe(false)
  })

  it('a tampered, expired or revoked session cookie is treated as no session', async () => {
    const { c, setup } = await signedIn()
    const cookie = c.jar.get('push_registry_ui') as string
    expect((await c.get('/ui')).status).toBe(200)

    const parts = cookie.split('.')
    const otherOperator = Buffer.from('bob').toString('base64url')
    c.jar.set('push_registry_ui', [parts[0], otherOperator, ...parts.slice(2)].join('.'))
    expect((await c.get('/ui')).headers.get('location')).toBe('/ui/sign-in')

    c.jar.set('push_registry_ui', cookie)
    const revoked = createHttpHandler({ registry: setup.registry, keys: {}, clock: setup.clock, ui: { ...uiOptions, operators: { bob: 'another-long-operator-secret' } } })
    const stale = await revoked.fetch(new Request('http://registry.test/ui', { headers: { cookie: `push_registry_ui=${cookie}` } }))
    expect(stale.headers.get('location')).toBe('/ui/sign-in')

    setup.clock.advance(3600 * 1000)
    expect((await c.get('/ui')).headers.get('location')).toBe('/ui/sign-in')
  })

  it('signing out needs the CSRF token, then ends the session in this browser', async () => {
    const { c } = await signedIn()
    const page = await (await c.get('/ui')).text()
    expect((await c.post('/ui/sign-out', {})).status).toBe(403)
    expect((await c.get('/ui')).status).toBe(200)
    const out = await c.post('/ui/sign-out', { csrf: csrfIn(page) })
    expect(out.status).toBe(303)
    expect(out.headers.get('location')).toBe('/ui/sign-in')
    expect((await c.get('/ui')).headers.get('location')).toBe('/ui/sign-in')
  })

  it('every answer carries the strict CSP and anti-framing, no-referrer and no-store headers', async () => {
    const { c } = await signedIn()
    const answers = [await c.get('/ui'), await c.get('/ui/users/kim'), await c.get('/ui/search?q=nobody'), await c.get('/ui/search?q=kim'), await c.post('/ui/users/kim/subscription', { state: 'opted_in' }), await client((await storySetup()).handler).get('/ui/sign-in')]
    for (const response of answers) {
      const csp = response.headers.get('content-security-policy') ?? ''
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'/)
      expect(response.headers.get('x-frame-options')).toBe('DENY')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('cache-control')).toBe('no-store')
    }
  })
})

describe('search', () => {
  it('finds a user by email (any case), phone (any spacing) or external id', async () => {
    const { c } = await signedIn()
    const found = async (q: string) => (await c.get(`/ui/search?q=${encodeURIComponent(q)}`)).headers.get('location')
    expect(await found(kimEmail.toUpperCase())).toBe('/ui/users/kim')
    expect(await found(kimPhone.replace(/ /g, ''))).toBe('/ui/users/kim')
    expect(await found('charlie')).toBe('/ui/users/charlie')
    expect(await found('  charlie@example.com ')).toBe('/ui/users/charlie')
  })

  it('answers a not-found page for nobody, and the home page for an empty query', async () => {
    const { c } = await signedIn()
    const missing = await c.get('/ui/search?q=nobody%40example.com')
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('Nobody has the external id, email or phone <strong>nobody@example.com</strong>')
    expect((await c.get('/ui/search?q=%20')).headers.get('location')).toBe('/ui')
  })
})

describe('profile', () => {
  it("R25: Kim's Engagement shows the iPhone she owns now, foreground", async () => {
    const { c } = await signedIn()
    const page = await (await c.get('/ui/users/kim')).text()
    expect(engagementLines(page)).toEqual(['Foreground: MyApp (iOS)'])
    expect(page).toContain('<span class="state" id="subscription-state">subscribed</span>')
    expect(page).toContain(kimEmail)
  })

  it("R25, R8: Charlie's Engagement shows -- for the iPhone that moved to Kim and the uninstalled Pixel", async () => {
    const { c } = await signedIn()
    const page = await (await c.get('/ui/users/charlie')).text()
    expect(engagementLines(page)).toEqual(['--', '--'])
    expect(page).toContain('<span class="state" id="subscription-state">opted_in</span>')
  })

  it('R9, S2: the changelog is a timeline of when, which token (redacted), from whom and to whom', async () => {
    const { c } = await signedIn()
    const page = await (await c.get('/ui/users/kim')).text()
    expect(timeline(page)).toEqual([
      `2026-01-02 18:00:00 UTC transferred in — token ${redact(iphoneToken)} on MyApp (iOS) · charlies-iphone — from charlie to kim`,
      `2026-01-04 09:00:00 UTC invalidated dead — token ${redact(iphoneToken)} on MyApp (iOS) · charlies-iphone — from kim to — token ended`,
      `2026-01-06 12:00:00 UTC registered — token ${redact(iphoneTokenAfterReinstall)} on MyApp (iOS) · charlies-iphone — from — new token to kim`,
    ])
    expect(page).toContain('<a href="/ui/users/charlie">charlie</a>')
  })

  it('D1: an empty owner is an em dash saying what it stands for, never a word that could be a user id', async () => {
    const { c } = await signedIn()
    const page = await (await c.get('/ui/users/kim')).text()
    expect(timeline(page).join('\n')).not.toMatch(/nobody/)
    expect(page).toContain('<span class="no-owner">— <em>token ended</em></span>')
    expect(page).toContain('<span class="no-owner">— <em>new token</em></span>')
    // Before any login the token belongs to the device's anonymous user (D1, D8).
    const anonymous = await storySetup({ inputs: [
      { type: 'session_started', at: '2026-01-01T09:00:00Z', appId: 'ios', deviceId: 'shared-ipad', token: 'c3'.repeat(16), permission: 'granted' },
      { type: 'user_changed', at: '2026-01-02T09:00:00Z', appId: 'ios', deviceId: 'shared-ipad', userId: 'lee' },
    ] })
    const lee = client(anonymous.handler)
    await signIn(lee)
    expect(timeline(await (await lee.get('/ui/users/lee')).text())).toEqual([
      `2026-01-02 09:00:00 UTC transferred in — token ${redact('c3'.repeat(16))} on MyApp (iOS) · shared-ipad — from — anonymous device to lee`,
    ])
  })

  it('R25: the Engagement table has no App column, since each line names its app', async () => {
    const { c } = await signedIn()
    const page = await (await c.get('/ui/users/kim')).text()
    expect(page).toContain('<thead><tr><th>Push Registered For</th><th>Device</th><th>Token last seen</th><th>Notes</th></tr></thead>')
    expect(page).toContain('<time datetime="2026-01-06T12:00:00.000Z">2026-01-06 12:00:00 UTC</time>')
  })

  it('R19, D7: a stale token says when it was last seen and what stale means', async () => {
    const setup = await storySetup()
    setup.clock.advance(40 * 86_400_000)
    const c = client(setup.handler)
    await signIn(c)
    const page = await (await c.get('/ui/users/kim')).text()
    expect(page).toContain('2026-01-06 12:00:00 UTC</time> <span class="tag">stale</span>')
    expect(page).toContain("Stale: not reported for over 30 days (this app's <code>staleAfter</code>, R19)")
    expect(page).toContain('pushes still go to the token until it expires')
    expect(engagementLines(page)).toEqual(['Foreground: MyApp (iOS)'])
  })

  it('R27: an unsubscribed user\u2019s foreground line says alerts are withheld from them', async () => {
    const { c, setup } = await signedIn()
    expect(await (await c.get('/ui/users/kim')).text()).not.toContain('Alerts withheld')
    await setup.registry.ingest({ type: 'subscription_set', at: '2026-01-09T00:00:00Z', userId: 'kim', state: 'unsubscribed' })
    const page = await (await c.get('/ui/users/kim')).text()
    expect(engagementLines(page)).toEqual(['Foreground: MyApp (iOS)'])
    expect(page).toContain('Alerts withheld: the user is unsubscribed (R27). Background pushes still reach this device.')
    // Charlie's lines are `--`: there is nothing to withhold.
    await setup.registry.ingest({ type: 'subscription_set', at: '2026-01-09T00:00:00Z', userId: 'charlie', state: 'unsubscribed' })
    expect(await (await c.get('/ui/users/charlie')).text()).not.toContain('Alerts withheld')
  })

  it('answers 404 for an unknown user', async () => {
    const { c } = await signedIn()
    expect((await c.get('/ui/users/nobody')).status).toBe(404)
  })

  it('S2: no page of the story shows any token whole', async () => {
    const { c } = await signedIn()
    const pages = await Promise.all(['/ui', '/ui/users/kim', '/ui/users/charlie', '/ui/search?q=nobody'].map(async (path) => (await c.get(path)).text()))
    const signInForm = await (await client((await storySetup()).handler).get('/ui/sign-in')).text()
    for (const page of [...pages, signInForm]) for (const token of storyTokens) expect(page).not.toContain(token)
    expect(pages.join('')).toContain(redact(iphoneTokenAfterReinstall))
  })

  it('logs the route pattern, never the user id in the path', async () => {
    const { c, setup } = await signedIn()
    await c.get('/ui/users/kim')
    expect(setup.lines.some((line) => line.startsWith('GET /ui/users/:id 200'))).toBe(true)
    expect(setup.lines.join('\n')).not.toContain('kim')
  })
})

describe('changing the subscription', () => {
  it('R11: a post with the session CSRF token records the new state and redirects to the profile', async () => {
    const { c, setup } = await signedIn()
    const page = await (await c.get('/ui/users/kim')).text()
    const response = await c.post('/ui/users/kim/subscription', { csrf: csrfIn(page), state: 'unsubscribed' })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/ui/users/kim?saved=1')
    expect((await setup.registry.profile('kim'))?.subscription).toBe('unsubscribed')
    const after = await (await c.get('/ui/users/kim?saved=1')).text()
    expect(after).toContain('<span class="state" id="subscription-state">unsubscribed</span>')
    expect(after).toContain('Subscription state saved.')
    expect((await setup.registry.profile('charlie'))?.subscription).toBe('opted_in')
  })

  it('a post without a CSRF token is a 403 and leaves the store unchanged', async () => {
    const { c, setup } = await signedIn()
    const before = await snapshot(setup.registry)
    const response = await c.post('/ui/users/kim/subscription', { state: 'unsubscribed' })
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('CSRF')
    expect(await snapshot(setup.registry)).toEqual(before)
  })

  it("a post with another session's CSRF token, or the sign-in form's, is a 403 and leaves the store unchanged", async () => {
    const { c, setup } = await signedIn()
    const other = client(setup.handler)
    await signIn(other, 'bob', 'another-long-operator-secret')
    const othersToken = csrfIn(await (await other.get('/ui/users/kim')).text())
    const signInToken = csrfIn(await (await client(setup.handler).get('/ui/sign-in')).text())
    const before = await snapshot(setup.registry)
    for (const csrf of [othersToken, signInToken, '', `${othersToken}x`]) {
      expect((await c.post('/ui/users/kim/subscription', { csrf, state: 'unsubscribed' })).status).toBe(403)
    }
    expect(await snapshot(setup.registry)).toEqual(before)
  })

  it('I11: an unknown state is refused with a 400 page and changes nothing', async () => {
    const { c, setup } = await signedIn()
    const csrf = csrfIn(await (await c.get('/ui/users/kim')).text())
    const before = await snapshot(setup.registry)
    const response = await c.post('/ui/users/kim/subscription', { csrf, state: '<maybe>' })
    expect(response.status).toBe(400)
    const page = await response.text()
    expect(page).not.toContain('<maybe>')
    expect(await snapshot(setup.registry)).toEqual(before)
  })

  it('D11: a post for an unknown user is a 404 and creates no user', async () => {
    const { c, setup } = await signedIn()
    const csrf = csrfIn(await (await c.get('/ui')).text())
    expect((await c.post('/ui/users/nobody/subscription', { csrf, state: 'unsubscribed' })).status).toBe(404)
    expect(await setup.registry.profile('nobody')).toBeNull()
  })

  it('a post that is not a form is a 415 and changes nothing', async () => {
    const { c, setup } = await signedIn()
    const before = await snapshot(setup.registry)
    const response = await setup.handler.fetch(
      new Request('http://registry.test/ui/users/kim/subscription', {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `push_registry_ui=${c.jar.get('push_registry_ui') as string}` },
        body: JSON.stringify({ state: 'unsubscribed' }),
      }),
    )
    expect(response.status).toBe(415)
    expect(await snapshot(setup.registry)).toEqual(before)
  })
})

describe('escaping', () => {
  const hostileId = '<script>alert("id")</script>'
  const hostileApps: readonly AppConfig[] = [{ appId: 'ios', name: `<img src=x onerror=alert('app')>`, platform: 'ios' }]
  const hostileInputs = [
    { type: 'user_attributes', at: '2026-01-01T08:00:00Z', userId: hostileId, email: `"><svg onload=alert(1)>@evil.test`, phone: '+1 555 0100' },
    { type: 'session_started', at: '2026-01-01T09:00:00Z', appId: 'ios', deviceId: `dev'"><b>x</b>`, userId: hostileId, token: iphoneToken, permission: 'granted', apnsEnvironment: 'production' },
    { type: 'user_changed', at: '2026-01-02T09:00:00Z', appId: 'ios', deviceId: `dev'"><b>x</b>`, userId: `kim&<i>` },
  ]

  it('hostile user ids, contacts, device ids and app names are shown as text, never as markup', async () => {
    const setup = await storySetup({ apps: hostileApps, inputs: hostileInputs })
    const c = client(setup.handler)
    await signIn(c)
    const search = await c.get(`/ui/search?q=${encodeURIComponent('+1 555 0100')}`)
    expect(search.headers.get('location')).toBe(`/ui/users/${encodeURIComponent(hostileId)}`)
    const response = await c.get(search.headers.get('location') as string)
    expect(response.status).toBe(200)
    const page = await response.text()
    for (const markup of ['<script>', '<svg', '<img', '<b>x', '<i>']) expect(page).not.toContain(markup)
    expect(page).toContain('<h1>&lt;script&gt;alert(&quot;id&quot;)&lt;/script&gt;</h1>')
    expect(page).toContain('&lt;img src=x onerror=alert(&#39;app&#39;)&gt;')
    expect(page).toContain('&quot;&gt;&lt;svg onload=alert(1)&gt;@evil.test')
    expect(page).toContain(`<a href="/ui/users/kim%26%3Ci%3E">kim&amp;&lt;i&gt;</a>`)
    expect(page).toContain(`action="/ui/users/${encodeURIComponent(hostileId)}/subscription"`)
  })

  it('a hostile search is echoed as text', async () => {
    const { c } = await signedIn()
    const page = await (await c.get(`/ui/search?q=${encodeURIComponent('<script>alert(1)</script>')}`)).text()
    expect(page).not.toContain('<script>')
    expect(page).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"')
  })
})
