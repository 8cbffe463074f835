/**
 * Runs `run` over `items` with at most `concurrency` calls in flight: a fixed set of workers
 * take the next item as they finish one, so a 10,000-target dispatch never holds 10,000
 * pending sends. After a failure no new item is started; the calls in flight finish, then the
 * first failure is thrown (so that nothing keeps running once the caller has been told).
 */
export const forEachBounded = async <A>(
  items: readonly A[],
  concurrency: number,
  run: (item: A, index: number) => Promise<void>,
): Promise<void> => {
  let next = 0
  let failure: { readonly error: unknown } | null = null
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const index = next++
      try {
        await run(items[index] as A, index)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  const workers = Math.max(1, Math.min(concurrency, items.length))
  await Promise.all(Array.from({ length: workers }, worker))
  if (failure !== null) throw (failure as { readonly error: unknown }).error
}
