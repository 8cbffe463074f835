import type { IndexPage } from '../ports/index-queries.js'

/**
 * A streamed answer that can also be read a page at a time. Iterating it gives the items one by
 * one; `byPage()` gives the same items, in the same order, as the arrays the store's pages
 * produced (never an empty one), with the same back-pressure. A sender that works in batches
 * (FCM's and Web Push's concurrency, a host writing rows) takes a page per step instead of one
 * `await` per item, which on a stream of a million targets is most of the cost.
 */
export interface PagedIterable<A> extends AsyncIterable<A> {
  /** The same items a page (an array, never empty) at a time. Each call starts from the first page. */
  byPage(): AsyncIterable<readonly A[]>
}

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
): PagedIterable<A> => ({
  [Symbol.asyncIterator]: (): AsyncIterator<A> => new ItemIterator(new PageSource(fetch, map)),
  byPage: () => ({ [Symbol.asyncIterator]: (): AsyncIterator<readonly A[]> => new PageIterator(new PageSource(fetch, map)) }),
})

/** The pages of one iteration, each fetched when the one before it arrives. */
class PageSource<E, A> {
  private cursor: string | undefined = undefined
  private last = false
  /** The next page, asked for as soon as the current one arrived. */
  private ahead: Promise<IndexPage<E>> | undefined = undefined

  constructor(
    private readonly fetch: (after: string | undefined) => Promise<IndexPage<E>>,
    private readonly map: (entries: readonly E[]) => readonly A[] | Promise<readonly A[]>,
  ) {}

  /** The next page's items (possibly none), or `null` after the last page. */
  async page(): Promise<readonly A[] | null> {
    if (this.last) return null
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
    return this.map(page.entries)
  }

  /** Stops early: nothing more is fetched, and a page asked for ahead is dropped. */
  stop(): void {
    this.last = true
    this.ahead = undefined
  }
}

/** One item per step, from the pages of a {@link PageSource}. */
class ItemIterator<E, A> implements AsyncIterator<A> {
  private items: readonly A[] = []
  private index = 0

  constructor(private readonly source: PageSource<E, A>) {}

  next(): Promise<IteratorResult<A>> {
    if (this.index < this.items.length) return Promise.resolve({ value: this.items[this.index++] as A, done: false })
    return this.fill()
  }

  /** Stops early (a `break` out of `for await`): nothing more is fetched. */
  return(): Promise<IteratorResult<A>> {
    this.source.stop()
    this.items = []
    return Promise.resolve({ value: undefined, done: true })
  }

  private async fill(): Promise<IteratorResult<A>> {
    while (this.index >= this.items.length) {
      const page = await this.source.page()
      if (page === null) {
        this.items = []
        return { value: undefined, done: true }
      }
      this.items = page
      this.index = 0
    }
    return { value: this.items[this.index++] as A, done: false }
  }
}

/** One page per step (empty ones skipped), from a {@link PageSource}. */
class PageIterator<E, A> implements AsyncIterator<readonly A[]> {
  constructor(private readonly source: PageSource<E, A>) {}

  async next(): Promise<IteratorResult<readonly A[]>> {
    for (;;) {
      const page = await this.source.page()
      if (page === null) return { value: undefined, done: true }
      if (page.length > 0) return { value: page, done: false }
    }
  }

  return(): Promise<IteratorResult<readonly A[]>> {
    this.source.stop()
    return Promise.resolve({ value: undefined, done: true })
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
export const nothing: PagedIterable<never> = {
  [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ value: undefined, done: true }) }),
  byPage: () => nothing,
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
