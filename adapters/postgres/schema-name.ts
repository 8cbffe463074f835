/** The schema the adapter uses when none is given. */
export const defaultSchema = 'push_registry'

const valid = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * The schema name, checked and double-quoted for SQL. It is the only identifier the adapter
 * splices into statement text (values always travel as parameters), so it is held to a
 * lowercase identifier of at most 63 characters: nothing that could close the quotes.
 */
export const quotedSchema = (schema: string): string => {
  if (!valid.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}: use 1 to 63 of a-z, 0-9 and _, not starting with a digit`)
  }
  return `"${schema}"`
}
