import type { Input } from './input.js'

/**
 * R20: the fixed total order on inputs. Time first; at equal times the input's type (logins
 * before the reports they make, so that the user who logged in at `t` owns what happens at
 * `t`), then its canonical content. Arrival order never takes part, which is what makes the
 * state a function of the *set* of accepted inputs (I9).
 */
export const compareInputs = (a: Input, b: Input): number => {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1
  const rank = typeRank[a.type] - typeRank[b.type]
  if (rank !== 0) return rank
  if (a === b) return 0
  const ka = canonicalKey(a)
  const kb = canonicalKey(b)
  return ka === kb ? 0 : ka < kb ? -1 : 1
}

/** Two inputs are the same input (a duplicate) iff their canonical keys are equal. */
export const sameInput = (a: Input, b: Input): boolean => compareInputs(a, b) === 0

const typeRank: Readonly<Record<Input['type'], number>> = {
  user_changed: 0,
  logged_out: 1,
  session_started: 2,
  token_reported: 3,
  prompt_answered: 4,
  uninstalled: 5,
  subscription_set: 6,
  user_attributes: 7,
  provider_answer: 8,
  delivery_reported: 9,
  // An erasure applies to everything at its time, so it comes last.
  user_erased: 10,
}

/** JSON with keys in sorted order at every depth: equal content gives an equal string. */
export const canonicalKey = (value: unknown): string => {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalKey(v)}`).join(',')}}`
}

/**
 * Whether two values have the same canonical JSON (`canonicalKey(a) === canonicalKey(b)`),
 * without building it: keys in any order, keys holding `undefined` ignored, `undefined` in an
 * array the same as `null`. `except` names top-level keys left out of the comparison.
 */
export const sameCanonical = (a: unknown, b: unknown, except: readonly string[] = emptyList): boolean => {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return jsonNull(a) && jsonNull(b)
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameCanonical(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  let fields = 0
  for (const k in x) {
    const v = x[k]
    if (v === undefined || except.includes(k)) continue
    fields++
    const w = y[k]
    if (w === undefined || !sameCanonical(v, w)) return false
  }
  for (const k in y) if (y[k] !== undefined && !except.includes(k)) fields--
  return fields === 0
}

/** What JSON writes as `null`: `null` itself, `undefined` (in an array, or alone), non-finite numbers. */
const jsonNull = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))

/**
 * Inserts `item` into an array kept sorted by `compare`, returning the same array when an equal
 * item is already there: folding duplicates is a no-op (I9).
 */
export const insertSorted = <A>(
  items: readonly A[],
  item: A,
  compare: (x: A, y: A) => number,
): readonly A[] => {
  let lo = 0
  let hi = items.length
  // Most inputs arrive in time order: check the end first. `concat` and `slice` allocate the
  // exact size, where `[...items, item]` leaves spare room (see `exact`).
  const last = items[hi - 1]
  if (last === undefined || compare(last, item) < 0) return items.concat([item])
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    const c = compare(items[mid] as A, item)
    if (c === 0) return items
    if (c < 0) lo = mid + 1
    else hi = mid
  }
  return items.slice(0, lo).concat([item], items.slice(lo))
}

/**
 * An array to keep in a record, at its exact size: the shared empty list, or a copy. Arrays
 * built by spreading (`[...a, x]`), `filter`, `map` over a `Set` or `push` keep spare room (a
 * one-element `[...[], x]` holds 184 bytes of heap, `[x]` 56), and records are kept by the
 * million.
 */
export const exact = <A>(items: readonly A[]): readonly A[] => (items.length === 0 ? emptyList : items.slice())

/**
 * The one empty list records share: most token records never get an answer and most users
 * never opt in, and a million empty arrays are a million allocations.
 */
export const emptyList: readonly never[] = Object.freeze([])

/**
 * The first index of a sorted list at which `before` stops holding (it holds for a prefix of
 * the list, then never again): binary search, so a lookup costs log n.
 */
export const partitionPoint = <A>(items: readonly A[], before: (item: A) => boolean): number => {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(items[mid] as A)) lo = mid + 1
    else hi = mid
  }
  return lo
}
