import { describe, expect, it } from 'vitest'
import type { Registry, StoragePort } from 'push-registry'
import { createRegistry } from 'push-registry'
import { createHttpHandler } from 'push-registry/http'
import { createMemoryStorage } from 'push-registry/memory'
import { hostileAppName, hostileDispatchId, overviewSetup } from './overview-story.js'
import { client, signIn, uiOptions } from './support.js'

/** The cells of the registrations table of the `index`-th app, row by row, tags stripped. */
const countsTable = (page: string, index: number): string[][] => {
  const section = page.split('<section class="health"')[index + 1] ?? ''
  const table = /<table class="counts">([\s\S]*?)<\/table>/.exec(section)?.[1] ?? ''
  return [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...(row[1] as string).matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => (c[1] as string).trim()))
}

describe('the token-health overview on /ui', () => {
  it('signed out: /ui sends the visitor to the sign-in form and shows no figure', async () => {
    const { handler } = await overviewSetup()
    const response = await handler.fetch(new Request('http://registry.test/ui'))
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/ui/sign-in')
    expect(await response.text()).toBe('')
  })

  it('an API key does not open it', async () => {
    const { handler } = await overviewSetup()
    const response = await handler.fetch(new Request('http://registry.test/ui', { headers: { authorization: 'Bearer api-key-0123456789' } }))
    expect(response.status).toBe(303)
  })

  it('R19, D7: signed in, the registrations by status and capability are those of registry.tokenHealth', async () => {
    const { handler, registry } = await overviewSetup()
    const c = client(handler)
    await signIn(c)
    const response = await c.get('/ui')
    expect(response.status).toBe(200)
    const page = await response.text()
    const health = await registry.tokenHealth('ios')
    const rows = countsTable(page, 0)
    expect(rows[0]).toEqual(['Status', 'Foreground', 'Provisional', 'Background', 'No capability', 'Total'])
    const active = health?.registrations.cells.active
    expect(rows[1]).toEqual(['Active', String(active?.foreground), String(active?.provisional), String(active?.background), String(active?.none), '30'])
    expect(rows.at(-1)).toEqual(['All', '27', '5', '7', '21', '60'])
    expect(countsTable(page, 1).find((row) => row[0] === 'Expired')?.at(-1)).toBe('10')
  })

  it('escapes what the host names: app names and dispatch ids are text, never markup', async () => {
    const { handler } = await overviewSetup()
    const c = client(handler)
    await signIn(c)
    const page = await (await c.get('/ui')).text()
    expect(page).toContain('Shop &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;')
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).not.toContain(hostileAppName)
    expect(page).not.toContain(hostileDispatchId)
    expect(page).not.toMatch(/<script|<img| style=/i)
  })

  it('S2: no token appears, whole or redacted, and no user id (the overview names nobody)', async () => {
    const { handler, tokens, users } = await overviewSetup()
    const c = client(handler)
    await signIn(c)
    const page = await (await c.get('/ui')).text()
    for (const token of tokens) {
      expect(page).not.toContain(token)
      expect(page).not.toContain(token.slice(0, 6))
    }
    for (const user of users) expect(page).not.toContain(user)
  })

  it('the chart is inline SVG within the page CSP: no script, no style attribute, colours from the hashed stylesheet', async () => {
    const { handler } = await overviewSetup()
    const c = client(handler)
    await signIn(c)
    const response = await c.get('/ui')
    expect(response.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/)
    const page = await response.text()
    expect(page.match(/<svg class="chart"/g)).toHaveLength(2)
    expect(page).toContain('<title id="app-0-title">Invalidations and quarantines per day, 2026-01-31 to 2026-03-01: 21 in all</title>')
    expect(page).toContain('<title>2026-02-20: 1 dead, 1 uninstalled, 1 quarantined</title>')
  })

  it('a store that fails answers the 503 page, not a half-drawn overview', async () => {
    const memory = createMemoryStorage()
    const failing: StoragePort = { ...memory, countRegistrations: async () => Promise.reject(new Error('connection refused')) }
    const registry: Registry = createRegistry({ apps: [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }], storage: failing })
    const handler = createHttpHandler({ registry, keys: {}, ui: uiOptions })
    const c = client(handler)
    await signIn(c)
    const response = await c.get('/ui')
    expect(response.status).toBe(503)
    expect(await response.text()).toContain('The registry is unavailable')
  })
})
