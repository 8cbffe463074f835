import type { ContactKind } from './records.js'

/**
 * D11: contact addresses are compared in a normal form, so that a look-up finds
 * `Charlie@Example.com` under `charlie@example.com` and `+33 6 12 34 56 78` under
 * `+33612345678`.
 */
export const normalizeContact = (kind: ContactKind, value: string): string =>
  kind === 'email' ? value.trim().toLowerCase() : value.replace(/[\s().-]/g, '')
