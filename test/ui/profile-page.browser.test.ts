import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { redact } from 'push-registry'
import { artifacts, ci, executablePath, hasChromium, openBrowser } from './browser.js'
import { iphoneToken, iphoneTokenAfterReinstall, kimEmail, storyTokens } from './charlie-and-kim-story.js'
import type { UiSetup } from './support.js'
import { operator, operatorSecret, storySetup } from './support.js'

/**
 * The profile page in a real browser: Debian's Chromium driven by playwright-core (see
 * `browser.ts`: under CI=true a missing binary fails the run instead of skipping).
 */
if (!hasChromium && !ci) console.warn(`test/ui/profile-page.browser.test.ts skipped: ${executablePath} is missing (apt-get install chromium; CI installs it)`)

describe.skipIf(!hasChromium && !ci)('the profile page in Chromium', () => {
  let setup: UiSetup
  let browser: Awaited<ReturnType<typeof openBrowser>>
  let page: Page
  let base = ''
  let problems: string[] = []

  beforeAll(async () => {
    setup = await storySetup()
    browser = await openBrowser(setup.handler)
    ;({ page, base, problems } = browser)
  })

  afterAll(async () => {
    await browser?.close()
    await setup?.registry.close()
  })

  it('sends an unauthenticated visitor to the sign-in form, and signs the operator in', async () => {
    await page.goto(`${base}/ui`)
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in')
    await page.fill('#operator', operator)
    await page.fill('#secret', operatorSecret)
    await Promise.all([page.waitForURL(`${base}/ui`), page.click('button:has-text("Sign in")')])
    expect(await page.textContent('header .who')).toContain(operator)
  })

  it('finds Kim by email and shows her Engagement line (R25)', async () => {
    await page.fill('#q', kimEmail)
    await Promise.all([page.waitForURL(`${base}/ui/users/kim`), page.click('button:has-text("Search")')])
    expect(await page.textContent('h1')).toBe('kim')
    expect(await page.locator('#engagement td.line').allTextContents()).toEqual(['Foreground: MyApp (iOS)'])
    expect(await page.textContent('#subscription-state')).toBe('subscribed')
  })

  it("shows Kim's token changelog as a timeline, tokens redacted (R9, S2)", async () => {
    const items = (await page.locator('#changelog li').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim())
    expect(items).toHaveLength(3)
    expect(items[0]).toMatch(new RegExp(`^2026-01-02 18:00:00 UTC transferred in — token ${redact(iphoneToken)} .* from charlie to kim$`))
    expect(items[1]).toMatch(/invalidated dead .* from kim to — token ended$/)
    expect(items[2]).toMatch(new RegExp(`registered — token ${redact(iphoneTokenAfterReinstall)} .* to kim$`))
    const content = await page.content()
    for (const token of storyTokens) expect(content).not.toContain(token)
  })

  it('changes the subscription through the form and shows the change (R11)', async () => {
    await page.selectOption('#state', 'unsubscribed')
    await Promise.all([page.waitForURL(`${base}/ui/users/kim?saved=1`), page.click('button:has-text("Change subscription")')])
    expect(await page.textContent('#subscription-state')).toBe('unsubscribed')
    expect(await page.textContent('.notice')).toContain('saved')
    expect((await setup.registry.profile('kim'))?.subscription).toBe('unsubscribed')
    // R27: her foreground line now says she gets no alerts.
    expect(await page.textContent('#engagement .note.withheld')).toContain('Alerts withheld: the user is unsubscribed (R27)')
    expect(await page.locator('#engagement th').allTextContents()).toEqual(['Push Registered For', 'Device', 'Token last seen', 'Notes'])
    // The inline stylesheet applied: the CSP admits it by hash.
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(245, 247, 250)')
    mkdirSync(artifacts, { recursive: true })
    await page.screenshot({ path: join(artifacts, 'profile-page.png'), fullPage: true })
  })

  it("follows the changelog to Charlie: -- on the iPhone Kim took and on the uninstalled Pixel (R8, R14, R25)", async () => {
    await Promise.all([page.waitForURL(`${base}/ui/users/charlie`), page.click('#changelog a:has-text("charlie")')])
    expect(await page.locator('#engagement td.line').allTextContents()).toEqual(['--', '--'])
    expect(await page.textContent('#subscription-state')).toBe('opted_in')
    const items = (await page.locator('#changelog li').allInnerTexts()).join('\n')
    expect(items).toMatch(/transferred out .* from charlie to kim/)
    expect(items).toMatch(/invalidated uninstalled .* MyApp \(Android\)/)
    await page.screenshot({ path: join(artifacts, 'profile-page-charlie.png'), fullPage: true })
    expect(problems).toEqual([])
  })

  it('R19: a stale token shows when it was last seen and what stale means; an anonymous start reads as such (D1)', async () => {
    // Lee's iPad last reported its token on 2025-11-20, 51 days before the story's clock.
    const report = await setup.registry.ingest([
      { type: 'session_started', at: '2025-11-20T09:00:00Z', appId: 'ios', deviceId: 'lees-ipad', token: 'c3d4'.repeat(8), permission: 'granted' },
      { type: 'user_changed', at: '2025-11-20T09:01:00Z', appId: 'ios', deviceId: 'lees-ipad', userId: 'lee' },
    ])
    expect(report.rejected).toEqual([])
    await page.goto(`${base}/ui/users/lee`)
    expect(await page.locator('#engagement td.line').allTextContents()).toEqual(['Foreground: MyApp (iOS)'])
    const row = (await page.locator('#engagement tbody tr').innerText()).replace(/\s+/g, ' ')
    expect(row).toContain('2025-11-20 09:00:00 UTC stale')
    expect(row).toContain("Stale: not reported for over 30 days (this app's staleAfter, R19)")
    const items = (await page.locator('#changelog li').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim())
    expect(items).toEqual([expect.stringMatching(/transferred in .* from — anonymous device to lee$/)])
    await page.screenshot({ path: join(artifacts, 'profile-page-stale.png'), fullPage: true })
    expect(problems).toEqual([])
  })
})
