import type { SafeHtml } from './html.js'
import { html } from './html.js'
import { layout } from './layout.js'

/** The sign-in form; `token` binds it to the browser's sign-in nonce cookie (login CSRF). */
export const signInPage = (token: string, problem: string | null): SafeHtml =>
  layout(
    'Sign in',
    null,
    html`<h1>Sign in</h1>
<section>
  ${problem === null ? null : html`<p class="problem" role="alert">${problem}</p>`}
  <form method="post" action="/ui/sign-in">
    <input type="hidden" name="csrf" value="${token}">
    <dl>
      <dt><label for="operator">Operator</label></dt>
      <dd><input id="operator" type="text" name="operator" required maxlength="64" autocomplete="username"></dd>
      <dt><label for="secret">Secret</label></dt>
      <dd><input id="secret" type="password" name="secret" required maxlength="1024" autocomplete="current-password"></dd>
    </dl>
    <p><button type="submit">Sign in</button></p>
  </form>
</section>`,
  )
