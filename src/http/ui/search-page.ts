import type { SafeHtml } from './html.js'
import { html } from './html.js'
import type { Chrome } from './layout.js'
import { layout, searchForm } from './layout.js'

/** The home page, and the answer to a search that found nobody (`query` set). */
export const searchPage = (chrome: Chrome, query: string | null): SafeHtml =>
  layout(
    query === null ? 'Search' : 'Not found',
    chrome,
    html`<h1>Find a user</h1>
<section>
  ${searchForm(query ?? '')}
  ${query === null ? null : html`<p class="problem" role="alert">Nobody has the external id, email or phone <strong>${query}</strong>.</p>`}
  <p class="muted">An address containing <code>@</code> is looked up as an email; anything else as an external id first, then as a phone number.</p>
</section>`,
  )
