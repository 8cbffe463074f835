/** Timing and heap helpers: medians over repetitions, since the machines are shared and noisy. */

/** The median of some numbers (the mean of the middle two for an even count). */
export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * Runs a full collection. The bench needs `--expose-gc` (`npm run bench` passes it): without
 * it, heap figures would count garbage and timings would pay for earlier runs' garbage.
 */
export const collect = (): void => {
  if (globalThis.gc === undefined) throw new Error('run with --expose-gc (npm run bench does)')
  globalThis.gc()
  globalThis.gc()
}

/** Live heap bytes after a full collection. */
export const liveHeap = (): number => {
  collect()
  return process.memoryUsage().heapUsed
}

/** Milliseconds `run` takes, measured after a collection so earlier garbage is not billed to it. */
export const timeMs = async <A>(run: () => A | Promise<A>): Promise<{ readonly ms: number; readonly result: A }> => {
  collect()
  const start = performance.now()
  const result = await run()
  return { ms: performance.now() - start, result }
}

/**
 * Streams a query to its end, holding nothing, and reports how far the heap rose above the live
 * heap before it (sampled every 1,024 items: garbage not yet collected counts, as it would in a
 * server).
 */
export const heapWhileStreaming = async (items: AsyncIterable<unknown>): Promise<{ readonly count: number; readonly growth: number }> => {
  const start = liveHeap()
  let peak = start
  let n = 0
  for await (const _ of items) {
    if ((++n & 1023) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed)
  }
  return { count: n, growth: Math.max(peak, process.memoryUsage().heapUsed) - start }
}
