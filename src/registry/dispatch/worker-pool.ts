/**
 * Runs `run` over a stream's items with at most `concurrency` calls in flight: a fixed set of
 * workers take the next item as they finish one, so a million-target dispatch never holds a
 * million pending sends, and the stream is read only as fast as items are taken
 * (back-pressure: a paged query fetches its next page once a worker needs it). Items are
 * pulled one at a time, never two `next()` calls at once, so any async iterator will do.
 *
 * After a failure (of `run` or of the stream) no new item is taken; the calls in flight
 * finish, the stream is closed, then the first failure is thrown (so that nothing keeps
 * running once the caller has been told). Resolves with the number of items taken.
 */
export const forEachBounded = async <A>(
  items: Iterable<A> | AsyncIterable<A>,
  concurrency: number,
  run: (item: A) => Promise<void>,
): Promise<number> => {
  const iterator: Iterator<A> | AsyncIterator<A> =
    Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]()
  let taken = 0
  let done = false
  let failure: { readonly error: unknown } | null = null
  let pulling: Promise<unknown> = Promise.resolve()
  const pull = (): Promise<IteratorResult<A>> => {
    const next = pulling.then(() => (done || failure !== null ? ({ done: true, value: undefined } as const) : iterator.next()))
    pulling = next.catch(() => undefined)
    return next
  }
  const worker = async (): Promise<void> => {
    while (failure === null && !done) {
      try {
        const result = await pull()
        if (result.done === true) {
          done = true
          return
        }
        taken++
        await run(result.value)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker))
  if (failure !== null) {
    await Promise.resolve(iterator.return?.()).catch(() => undefined)
    throw (failure as { readonly error: unknown }).error
  }
  return taken
}
