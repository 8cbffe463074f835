/**
 * The channel's two queues of pushes waiting for a stream slot: new pushes in arrival order,
 * and pushes the server refused unprocessed, oldest send first.
 */

/**
 * A FIFO with O(1) take: a 50,000-push send queues that many, and `Array#shift` on such
 * arrays can copy.
 */
export class FifoQueue<T> {
  private items: (T | undefined)[] = []
  private head = 0
  get size(): number {
    return this.items.length - this.head
  }
  push(item: T): void {
    this.items.push(item)
  }
  take(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head += 1
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}

/**
 * A binary min-heap on `seq` (the order in which pushes were first handed to the channel).
 * Refused streams come back in whatever order nghttp2 closes them; re-sending them oldest
 * first gives the oldest the lowest stream ids on the next connection, which a server going
 * away processes first. In arrival order, a push could lose that race on every connection.
 */
export class OldestFirst<T extends { readonly seq: number }> {
  private readonly items: T[] = []
  get size(): number {
    return this.items.length
  }
  push(item: T): void {
    const items = this.items
    let i = items.push(item) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      const above = items[parent] as T
      if (above.seq <= item.seq) break
      items[i] = above
      i = parent
    }
    items[i] = item
  }
  take(): T | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      if (left >= items.length) break
      const right = left + 1
      const child = right < items.length && (items[right] as T).seq < (items[left] as T).seq ? right : left
      if ((items[child] as T).seq >= last.seq) break
      items[i] = items[child] as T
      i = child
    }
    items[i] = last
    return top
  }
}
