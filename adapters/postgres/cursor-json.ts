/**
 * A cursor's JSON value, or `undefined` when the text is not JSON: the adapter's cursors are JSON
 * keys, and each parser checks the value's shape and names what is wrong with the cursor itself.
 */
export const cursorJson = (cursor: string): unknown => {
  try {
    return JSON.parse(cursor) as unknown
  } catch {
    return undefined
  }
}
