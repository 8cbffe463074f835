/**
 * A multiset of numbers kept sorted in chunks of at most `maxChunk`, so that adding or removing
 * one value moves at most a chunk's worth of elements, and counting the values below a bound
 * costs one step per chunk plus a binary search: a million values are about 2,000 chunks.
 * What the memory store counts registrations by `reportedAt` with.
 */
export class SortedMultiset {
  private readonly chunks: number[][] = []
  private count = 0

  /** How many values it holds. */
  get size(): number {
    return this.count
  }

  add(value: number): void {
    this.count++
    if (this.chunks.length === 0) {
      this.chunks.push([value])
      return
    }
    const c = Math.min(this.chunkFor(value), this.chunks.length - 1)
    const chunk = this.chunks[c] as number[]
    chunk.splice(lowerBound(chunk, value), 0, value)
    if (chunk.length > maxChunk) this.chunks.splice(c + 1, 0, chunk.splice(chunk.length >>> 1))
  }

  /** Removes one occurrence of `value`; answers whether there was one. */
  remove(value: number): boolean {
    const c = this.chunkFor(value)
    const chunk = this.chunks[c]
    if (chunk === undefined) return false
    const i = lowerBound(chunk, value)
    if (chunk[i] !== value) return false
    chunk.splice(i, 1)
    if (chunk.length === 0) this.chunks.splice(c, 1)
    this.count--
    return true
  }

  /** How many values are below `bound`. */
  countBelow(bound: number): number {
    let below = 0
    for (const chunk of this.chunks) {
      if ((chunk[chunk.length - 1] as number) < bound) below += chunk.length
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
      const chunk = this.chunks[mid] as number[]
      if ((chunk[chunk.length - 1] as number) < value) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

const maxChunk = 1024

/** The first index of `sorted` whose value is at least `value`. */
const lowerBound = (sorted: readonly number[], value: number): number => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] as number) < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
