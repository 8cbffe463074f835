/**
 * JSON with object keys sorted at every depth and `undefined` fields left out: two values
 * print the same iff they hold the same data, whatever order a storage gave their keys in.
 */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/**
 * A copy of `items` in the order of their canonical JSON: for comparing answers whose order a
 * storage's scan decides (the contract leaves scan order to the adapter).
 */
export const sortCanonically = <A>(items: readonly A[]): A[] =>
  items
    .map((item) => [canonicalJson(item), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item)
