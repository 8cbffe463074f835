import { canonicalKey } from 'push-registry'

/**
 * JSON with object keys sorted at every depth and `undefined` fields left out: two values
 * print the same iff they hold the same data, whatever order a storage gave their keys in.
 */
export const canonicalJson: (value: unknown) => string = canonicalKey

/**
 * A copy of `items` in the order of their canonical JSON: for comparing answers whose order a
 * storage's scan decides (the contract leaves scan order to the adapter).
 */
export const sortCanonically = <A>(items: readonly A[]): A[] =>
  items
    .map((item) => [canonicalJson(item), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item)
