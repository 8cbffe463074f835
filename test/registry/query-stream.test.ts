import { describe, expect, it } from 'vitest'
import type { IndexPage } from '../../src/ports/index-queries.js'
import { paged } from '../../src/registry/query-stream.js'

// D14: a query of unbounded size streams with back-pressure. `paged` asks for the next page
// as soon as one arrives (so the store works while the consumer does), and never further.

const pages = 5
const perPage = 3

/** A store of `pages` pages that records what was asked and when. */
const store = (failAt?: number) => {
  const asked: number[] = []
  const fetch = async (after: string | undefined): Promise<IndexPage<number>> => {
    const page = after === undefined ? 0 : Number(after)
    asked.push(page)
    await new Promise((resolve) => setTimeout(resolve, 1))
    if (page === failAt) throw new Error(`page ${page} failed`)
    return { entries: Array.from({ length: perPage }, (_, i) => page * perPage + i), next: page + 1 < pages ? String(page + 1) : null }
  }
  return { asked, fetch }
}

describe('paged query streams (D14)', () => {
  it('D14: gives every item once, in order, asking for each page once', async () => {
    const { asked, fetch } = store()
    const seen: number[] = []
    for await (const item of paged(fetch, (entries) => entries)) seen.push(item)
    expect(seen).toEqual(Array.from({ length: pages * perPage }, (_, i) => i))
    expect(asked).toEqual([0, 1, 2, 3, 4])
  })

  it('D14: asks for at most one page beyond the one being consumed (back-pressure), and maps a page only when the consumer reaches it', async () => {
    const { asked, fetch } = store()
    const mapped: number[] = []
    const iterator = paged(fetch, (entries) => {
      mapped.push(entries[0] as number)
      return entries
    })[Symbol.asyncIterator]()
    for (let taken = 0; taken < pages * perPage; taken++) {
      const { value } = await iterator.next()
      const page = Math.floor((value as number) / perPage)
      // Give any eager fetching every chance to run before looking.
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(Math.max(...asked)).toBeLessThanOrEqual(page + 1)
      expect(mapped.at(-1)).toBe(page * perPage)
    }
    expect((await iterator.next()).done).toBe(true)
  })

  it('D14: a page asked for ahead that fails surfaces when the consumer reaches it, after every item before it', async () => {
    const { fetch } = store(2)
    const seen: number[] = []
    const reading = (async () => {
      for await (const item of paged(fetch, (entries) => entries)) seen.push(item)
    })()
    await expect(reading).rejects.toThrow('page 2 failed')
    expect(seen).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('D14: a consumer that stops early asks for nothing more, and a failure of the page asked ahead is not left unhandled', async () => {
    const { asked, fetch } = store(1)
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason)
    }
    process.on('unhandledRejection', onUnhandled)
    try {
      for await (const item of paged(fetch, (entries) => entries)) if (item === 0) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    expect(asked).toEqual([0, 1])
    expect(unhandled).toEqual([])
  })

  it('D14: byPage gives the same items a page at a time, skipping pages the map empties, with the same back-pressure', async () => {
    const { asked, fetch } = store()
    // Odd pages filtered out entirely, as a query whose page matched nothing.
    const stream = paged(fetch, (entries) => entries.filter((item) => Math.floor(item / perPage) % 2 === 0))
    const seen: (readonly number[])[] = []
    for await (const page of stream.byPage()) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      expect(Math.max(...asked)).toBeLessThanOrEqual(Math.floor((page[0] as number) / perPage) + 1)
      seen.push(page)
    }
    expect(seen).toEqual([[0, 1, 2], [6, 7, 8], [12, 13, 14]])
    const items: number[] = []
    for await (const item of stream) items.push(item)
    expect(items).toEqual(seen.flat())
  })

  it('D14: a page reader that stops early asks for nothing more', async () => {
    const { asked, fetch } = store()
    for await (const page of paged(fetch, (entries) => entries).byPage()) if (page[0] === 0) break
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(asked).toEqual([0, 1])
  })
})
