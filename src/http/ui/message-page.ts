import type { SafeHtml } from './html.js'
import { html } from './html.js'
import type { Chrome } from './layout.js'
import { layout } from './layout.js'

/** A page that only says what went wrong (403, 404, 400, 503…), with a way back. */
export const messagePage = (chrome: Chrome | null, title: string, message: string): SafeHtml =>
  layout(
    title,
    chrome,
    html`<h1>${title}</h1>
<section>
  <p class="problem" role="alert">${message}</p>
  <p><a href="/ui">Back to search</a></p>
</section>`,
  )
