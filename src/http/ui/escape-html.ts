const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * Escapes text for HTML element content and for quoted attribute values: the five characters
 * that can end a text run or an attribute (`& < > " '`) become entities. Every value the profile
 * page shows goes through here (user ids, contacts, app names, operator names), since all of
 * them come from clients or configuration and may hold markup.
 */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => entities[c] ?? c)
