import { existsSync } from 'node:fs'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import type { HttpHandler } from 'push-registry/http'

/**
 * Debian's Chromium driven by playwright-core, for the page's browser tests. `.ci/run` installs
 * Chromium, so under CI=true a missing binary fails the run instead of skipping.
 */
export const executablePath = '/usr/bin/chromium'
export const hasChromium = existsSync(executablePath)
export const ci = process.env['CI'] === 'true'
export const artifacts = resolve(import.meta.dirname, '../../test-artifacts')

/** A `node:http` server on 127.0.0.1:0 for `handler`, a headless Chromium page, and the console errors it logs. */
export const openBrowser = async (handler: HttpHandler, viewport = { width: 1100, height: 900 }) => {
  if (!hasChromium) throw new Error(`CI=true but ${executablePath} is missing: .ci/run should have installed Debian's chromium`)
  const server: Server = createServer(handler.node)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const browser: Browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  const page: Page = await browser.newPage({ viewport })
  const problems: string[] = []
  // A style or form the CSP blocks shows up as a console error: the page must need none.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('favicon')) problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  const close = async (): Promise<void> => {
    await browser.close()
    if (server.listening) {
      server.close()
      await once(server, 'close')
    }
  }
  return { base, page, problems, close }
}
