/**
 * A multiset of numbers kept sorted in chunks (typed arrays of at most `maxChunk` values), so
 * that adding or removing one value moves at most a chunk's worth of elements with one
 * `copyWithin`, and counting the values below a bound costs one step per chunk plus a binary
 * search: a million values are about 1,000–2,000 chunks. What the memory store counts
 * registrations by `reportedAt` with.
 */
export class SortedMultiset {
  private readonly chunks: Chunk[] = []
  private count = 0

  /** How many values it holds. */
  get size(): number {
    return this.count
  }

  add(value: number): void {
    this.count++
    if (this.chunks.length === 0) {
      this.chunks.push(chunkOf([value]))
      return
    }
    const c = Math.min(this.chunkFor(value), this.chunks.length - 1)
    const chunk = this.chunks[c] as Chunk
    insertAt(chunk, lowerBound(chunk, value), value)
    if (chunk.length === maxChunk) {
      // Split in halves: the second half becomes a chunk of its own.
      const half = chunk.length >>> 1
      this.chunks.splice(c + 1, 0, chunkOf(Array.from(chunk.data.subarray(half, chunk.length))))
      chunk.length = half
    }
  }

  /** Removes one occurrence of `value`; answers whether there was one. */
  remove(value: number): boolean {
    const c = this.chunkFor(value)
    const chunk = this.chunks[c]
    if (chunk === undefined) return false
    const i = lowerBound(chunk, value)
    if (i >= chunk.length || chunk.data[i] !== value) return false
    chunk.data.copyWithin(i, i + 1, chunk.length)
    chunk.length--
    if (chunk.length === 0) this.chunks.splice(c, 1)
    this.count--
    return true
  }

  /** How many values are below `bound`. */
  countBelow(bound: number): number {
    let below = 0
    for (const chunk of this.chunks) {
      if (last(chunk) < bound) below += chunk.length
      else return below + lowerBound(chunk, bound)
    }
    return below
  }

  /** The first chunk whose last value is at least `value` (`chunks.length` when none is). */
  private chunkFor(value: number): number {
    let lo = 0
    let hi = this.chunks.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (last(this.chunks[mid] as Chunk) < value) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

/** Sorted values in `data[0 … length)`; `data` grows by doubling up to `maxChunk`. */
interface Chunk {
  data: Float64Array
  length: number
}

const maxChunk = 1024

const chunkOf = (values: readonly number[]): Chunk => {
  const data = new Float64Array(Math.max(8, 2 ** Math.ceil(Math.log2(values.length + 1))))
  data.set(values)
  return { data, length: values.length }
}

const last = (chunk: Chunk): number => chunk.data[chunk.length - 1] as number

/** Inserts `value` at `i`, moving the tail by one (a memmove, no allocation unless the chunk grows). */
const insertAt = (chunk: Chunk, i: number, value: number): void => {
  if (chunk.length === chunk.data.length) {
    const grown = new Float64Array(Math.min(maxChunk, chunk.data.length * 2))
    grown.set(chunk.data)
    chunk.data = grown
  }
  chunk.data.copyWithin(i + 1, i, chunk.length)
  chunk.data[i] = value
  chunk.length++
}

/** The first index of the chunk whose value is at least `value`. */
const lowerBound = (chunk: Chunk, value: number): number => {
  let lo = 0
  let hi = chunk.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((chunk.data[mid] as number) < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
