/** The session cookie: scoped to `/ui`, so API routes never receive it. */
export const sessionCookie = 'push_registry_ui'
/** The sign-in form's nonce cookie (login CSRF). */
export const signInCookie = 'push_registry_ui_sign_in'

/** The cookies of a request by name; the first of duplicates wins; malformed pairs are skipped. */
export const readCookies = (header: string | null): ReadonlyMap<string, string> => {
  const cookies = new Map<string, string>()
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) continue
    const name = pair.slice(0, eq).trim()
    if (!cookies.has(name)) cookies.set(name, pair.slice(eq + 1).trim())
  }
  return cookies
}

/**
 * A `Set-Cookie` value: HttpOnly (no script reads it), SameSite=Strict (no other site's page
 * sends it), Path=/ui. `maxAgeSeconds` 0 deletes the cookie. Values here are base64url and dots
 * only, so they need no quoting.
 */
export const setCookie = (name: string, value: string, maxAgeSeconds: number, secure: boolean): string =>
  `${name}=${value}; Path=/ui; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
