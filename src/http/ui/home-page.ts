import type { TokenHealth } from 'push-registry'
import type { SafeHtml } from './html.js'
import { html } from './html.js'
import type { Chrome } from './layout.js'
import { layout, searchForm } from './layout.js'
import { overviewSection } from './overview-section.js'

/** Formats an instant as `2026-01-02 18:00 UTC`. */
const when = (at: number): string => `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** The home page: the search box, then the token-health overview of every app. */
export const homePage = (chrome: Chrome, overviews: readonly TokenHealth[], appName: (appId: string) => string): SafeHtml =>
  layout(
    'Overview',
    chrome,
    html`<h1>Find a user</h1>
<section>
  ${searchForm('')}
  <p class="muted">An address containing <code>@</code> is looked up as an email; anything else as an external id first, then as a phone number.</p>
</section>
<h1>Token health</h1>
<p class="muted">${overviews[0] === undefined ? 'No app.' : html`As of ${when(overviews[0].at)}. Staleness and expiry are evaluated now (R19, D7); days are UTC.`}</p>
${overviews.map((health, i) => overviewSection(health, appName(health.appId), i))}`,
  )
