import { createHash, timingSafeEqual } from 'node:crypto'

/** Which apps each API key may use. */
export type ApiKeys = Readonly<Record<string, readonly string[]>>

/** The apps a presented key may use, or `null` when the key is missing or unknown. */
export type KeyCheck = (authorization: string | null) => ReadonlySet<string> | null

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest()

const bearer = /^Bearer[ ]+(\S+)[ ]*$/i

/**
 * Builds the key check. Keys are compared as SHA-256 digests with `timingSafeEqual`, so both
 * sides always have equal length, and every configured key is compared, so the time taken
 * tells nothing about which key (if any) came close. Keys are kept only as digests.
 */
export const keyCheck = (keys: ApiKeys): KeyCheck => {
  const entries = Object.entries(keys).map(([key, apps]) => ({ digest: digest(key), apps: new Set(apps) }))
  return (authorization) => {
    const match = authorization === null ? null : bearer.exec(authorization)
    const presented = digest(match?.[1] ?? '')
    let found: ReadonlySet<string> | null = null
    for (const entry of entries) {
      if (timingSafeEqual(entry.digest, presented) && match !== null) found = entry.apps
    }
    return found
  }
}
