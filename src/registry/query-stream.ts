import type { IndexPage } from '../ports/index-queries.js'

/**
 * An async iterable over pages fetched one ahead: when a page arrives, the next one is asked for
 * at once, so the store works on it (a database query, a network round trip) while the consumer
 * takes the current one's items, and no page is asked for beyond that one (back-pressure): a
 * query of any size holds at most two pages of entries in memory. Only `fetch` runs ahead;
 * `map` runs when the consumer reaches the page, so what it does (further store reads, for
 * instance) happens in the consumer's order. Each iteration starts from the first page.
 * Hand-written rather than an async generator: items already fetched are handed out without
 * resuming a generator, which matters for queries that stream a million targets.
 *
 * @param fetch  a page of entries from a cursor (`undefined` for the first page)
 * @param map    the items a page of entries gives (fewer or none is fine)
 */
export const paged = <E, A>(
  fetch: (after: string | undefined) => Promise<IndexPage<E>>,
  map: (entries: readonly E[]) => readonly A[] | Promise<readonly A[]>,
): AsyncIterable<A> => ({
  [Symbol.asyncIterator]: (): AsyncIterator<A> => new PageIterator(fetch, map),
})

class PageIterator<E, A> implements AsyncIterator<A> {
  private items: readonly A[] = []
  private index = 0
  private cursor: string | undefined = undefined
  private last = false
  /** The next page, asked for as soon as the current one arrived. */
  private ahead: Promise<IndexPage<E>> | undefined = undefined

  constructor(
    private readonly fetch: (after: string | undefined) => Promise<IndexPage<E>>,
    private readonly map: (entries: readonly E[]) => readonly A[] | Promise<readonly A[]>,
  ) {}

  next(): Promise<IteratorResult<A>> {
    if (this.index < this.items.length) return Promise.resolve({ value: this.items[this.index++] as A, done: false })
    return this.fill()
  }

  /** Stops early (a `break` out of `for await`): nothing more is fetched. */
  return(): Promise<IteratorResult<A>> {
    this.last = true
    this.items = []
    // A page asked for ahead is dropped (its failure, if any, was already handled below).
    this.ahead = undefined
    return Promise.resolve({ value: undefined, done: true })
  }

  private async fill(): Promise<IteratorResult<A>> {
    while (this.index >= this.items.length) {
      if (this.last) {
        this.items = []
        return { value: undefined, done: true }
      }
      const page = await (this.ahead ?? this.fetch(this.cursor))
      this.ahead = undefined
      this.cursor = page.next ?? undefined
      this.last = page.next === null
      if (!this.last) {
        const ahead = this.fetch(this.cursor)
        // A failure surfaces when the consumer reaches that page (awaited above), or never if
        // it stops first; the handler only keeps it from counting as unhandled meanwhile.
        ahead.catch(() => undefined)
        this.ahead = ahead
      }
      this.items = await this.map(page.entries)
      this.index = 0
    }
    return { value: this.items[this.index++] as A, done: false }
  }
}

/** An async iterable's items through `f`, with the source's back-pressure. */
export const mapped = <A, B>(items: AsyncIterable<A>, f: (item: A) => B): AsyncIterable<B> => ({
  [Symbol.asyncIterator]: (): AsyncIterator<B> => {
    const source = items[Symbol.asyncIterator]()
    return {
      next: async (): Promise<IteratorResult<B>> => {
        const r = await source.next()
        return r.done === true ? { value: undefined, done: true } : { value: f(r.value), done: false }
      },
      return: async (): Promise<IteratorResult<B>> => {
        await source.return?.()
        return { value: undefined, done: true }
      },
    }
  },
})

/** The empty answer. */
export const nothing: AsyncIterable<never> = {
  [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ value: undefined, done: true }) }),
}

/**
 * Every item of an async iterable, in an array: for answers the caller knows to be small, and
 * for tests. A query's answer can be as large as the store; prefer `for await`.
 */
export const collect = async <A>(items: AsyncIterable<A>): Promise<A[]> => {
  const out: A[] = []
  for await (const item of items) out.push(item)
  return out
}
