import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artifacts, ci, executablePath, hasChromium, openBrowser } from './browser.js'
import type { OverviewSetup } from './overview-story.js'
import { hostileAppName, hostileDispatchId, overviewSetup } from './overview-story.js'
import { operator, operatorSecret } from './support.js'

if (!hasChromium && !ci) console.warn(`test/ui/overview.browser.test.ts skipped: ${executablePath} is missing (apt-get install chromium; CI installs it)`)

/** The rows of a table as trimmed cell texts. */
const rowsOf = async (page: Page, selector: string): Promise<string[][]> =>
  page.$$eval(`${selector} tr`, (rows) => rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())))

describe.skipIf(!hasChromium && !ci)('the token-health overview in Chromium', () => {
  let setup: OverviewSetup
  let browser: Awaited<ReturnType<typeof openBrowser>>

  beforeAll(async () => {
    setup = await overviewSetup()
    browser = await openBrowser(setup.handler, { width: 1200, height: 900 })
  })

  afterAll(async () => {
    await browser?.close()
    await setup?.registry.close()
  })

  it('signs in and lands on the overview of every app', async () => {
    const { page, base } = browser
    await page.goto(`${base}/ui`)
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in')
    await page.fill('#operator', operator)
    await page.fill('#secret', operatorSecret)
    await Promise.all([page.waitForURL(`${base}/ui`), page.click('button:has-text("Sign in")')])
    expect(await page.locator('section.health h2').allTextContents()).toEqual([
      expect.stringMatching(/^MyApp \(iOS\) · ios · 60 registrations$/),
      // The hostile app name is text, not markup.
      `${hostileAppName} · android · 34 registrations`,
    ])
    expect(await page.locator('script').count()).toBe(0)
  })

  it('R19, D7: registrations by status and capability, evaluated now', async () => {
    const ios = await rowsOf(browser.page, 'section.health:nth-of-type(2) table.counts')
    expect(ios).toEqual([
      ['Status', 'Foreground', 'Provisional', 'Background', 'No capability', 'Total'],
      ['Active', '18', '5', '7', '0', '30'],
      ['Stale', '9', '0', '0', '0', '9'],
      ['Suspect', '0', '0', '0', '1', '1'],
      ['Expired', '0', '0', '0', '0', '0'],
      ['Ended', '0', '0', '0', '20', '20'],
      ['No token', '0', '0', '0', '0', '0'],
      ['All', '27', '5', '7', '21', '60'],
    ])
    // Android: ten tokens last reported 300 days ago have expired (FCM's 270 days), four devices never reported one.
    const android = await rowsOf(browser.page, 'section.health:nth-of-type(3) table.counts')
    expect(android.find((row) => row[0] === 'Expired')?.at(-1)).toBe('10')
    expect(android.find((row) => row[0] === 'No token')?.at(-1)).toBe('4')
    expect(android.find((row) => row[0] === 'Ended')?.at(-1)).toBe('1')
  })

  it('draws invalidations and quarantines per day as an SVG chart, with a legend', async () => {
    const { page } = browser
    const chart = page.locator('section.health:nth-of-type(2) svg.chart')
    expect(await chart.locator('g').count()).toBe(30)
    expect(await chart.locator('title').first().textContent()).toBe('Invalidations and quarantines per day, 2026-01-31 to 2026-03-01: 21 in all')
    expect(await chart.locator('g title').allTextContents()).toContain('2026-02-20: 1 dead, 1 uninstalled, 1 quarantined')
    // The bars are coloured by the stylesheet (the CSP admits it by hash), not by style attributes.
    expect(await page.locator('[style]').count()).toBe(0)
    expect(await page.evaluate("getComputedStyle(document.querySelector('svg.chart rect.s-dead')).fill")).toBe('rgb(192, 57, 43)')
    const legend = (await page.locator('section.health:nth-of-type(2) ul.legend li').allTextContents()).map((t) => t.trim())
    // Dead: 9 answers over the weeks + 5 answered 410 by the first send + its ambiguous one (the
    // send delivered to others, so it is dead too, R18); uninstalled: 7, of which 2 had died already.
    expect(legend.join(' | ')).toBe('dead (provider) 15 | uninstalled 5 | moved to another device 0 | revoked (web) 0 | owner erased 0 | quarantined 1')
    mkdirSync(artifacts, { recursive: true })
    await chart.screenshot({ path: join(artifacts, 'overview-chart.png') })
  })

  it('lists the last dispatches with sent, delivered, dead, received and opened; ids are text (S2: no token, no user id)', async () => {
    const { page } = browser
    const rows = await rowsOf(page, 'section.health:nth-of-type(2) table.dispatches')
    expect(rows).toEqual([
      ['Dispatch', 'Ended', 'Targeted', 'Sent', 'Delivered', 'Dead', 'Quarantined', 'Received', 'Opened'],
      ['spring-sale-2026 alert', '2026-03-01 11:00 UTC', '32', '32', '32', '0', '0', '30', '10'],
      [`${hostileDispatchId} background`, '2026-03-01 10:00 UTC', '45', '45', '39', '5', '1', '0', '0'],
    ])
    expect(await page.locator('section.health:nth-of-type(3) table.dispatches').count()).toBe(0)
    expect(await page.textContent('section.health:nth-of-type(3)')).toContain('No dispatch recorded yet')
    const content = await page.content()
    for (const token of setup.tokens) expect(content).not.toContain(token)
    for (const user of setup.users) expect(content).not.toContain(user)
    expect(await page.locator('img').count()).toBe(0)
    await page.screenshot({ path: join(artifacts, 'overview.png'), fullPage: true })
    // Nothing sticks out of its section at this width.
    expect(await page.evaluate("[...document.querySelectorAll('section.health table')].every((t) => t.getBoundingClientRect().right <= t.closest('section').getBoundingClientRect().right)")).toBe(true)
    expect(browser.problems).toEqual([])
  })
})
