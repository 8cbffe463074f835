import type { SafeHtml } from './html.js'
import { stylesheetSource } from './stylesheet.js'

/**
 * Headers on every answer of the page: no script, style or image but the inline stylesheet,
 * forms post only to this origin, never framed (clickjacking), no referrer (a user id in the
 * URL stays here), never cached (profiles are personal data).
 */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': `default-src 'none'; style-src ${stylesheetSource}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

/** An HTML page with the security headers, plus any `Set-Cookie` values. */
export const htmlResponse = (status: number, page: SafeHtml, cookies: readonly string[] = []): Response => {
  const headers = new Headers({ 'content-type': 'text/html; charset=utf-8', ...securityHeaders })
  for (const cookie of cookies) headers.append('set-cookie', cookie)
  return new Response(page.markup, { status, headers })
}

/**
 * A 303 See Other (the browser follows with a GET: a reload never re-posts a form), with the
 * security headers, plus any `Set-Cookie` values. `location` is a path of this page.
 */
export const redirect = (location: string, cookies: readonly string[] = []): Response => {
  const headers = new Headers({ location, ...securityHeaders })
  for (const cookie of cookies) headers.append('set-cookie', cookie)
  return new Response(null, { status: 303, headers })
}
