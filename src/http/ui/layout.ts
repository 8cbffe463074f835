import type { SafeHtml } from './html.js'
import { html, raw } from './html.js'
import { stylesheet } from './stylesheet.js'

/** Who is signed in, and the CSRF token the sign-out form carries; `null` before sign-in. */
export interface Chrome {
  readonly operator: string
  readonly csrf: string
}

/** The search box, on the home page and above every profile. */
export const searchForm = (query: string): SafeHtml => html`<form class="inline" method="get" action="/ui/search" role="search">
  <label for="q">External id, email or phone</label>
  <input id="q" type="search" name="q" value="${query}" required maxlength="320" autocomplete="off">
  <button type="submit">Search</button>
</form>`

/** The page shell: header with the signed-in operator and a sign-out form, then `body`. */
export const layout = (title: string, chrome: Chrome | null, body: SafeHtml): SafeHtml => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · push-registry support</title>
<style>${raw(stylesheet)}</style>
</head>
<body>
<header>
  <a href="/ui">push-registry · support</a>
  ${
    chrome === null
      ? null
      : html`<span class="who">Signed in as <strong>${chrome.operator}</strong></span>
  <form method="post" action="/ui/sign-out"><input type="hidden" name="csrf" value="${chrome.csrf}"><button type="submit">Sign out</button></form>`
  }
</header>
<main>
${body}
</main>
</body>
</html>
`
