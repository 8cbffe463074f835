import { createReadStream } from 'node:fs'

/** One line of a file and where it ends, so that a run can resume right after it. */
export interface FileLine {
  /** The line without its `\n` (or `\r\n`). */
  readonly text: string
  /** 1-based line number in the file. */
  readonly number: number
  /** Byte offset just past the line and its newline: where the next line starts. */
  readonly end: number
}

const newline = 0x0a
const carriageReturn = 0x0d

/**
 * The lines of a file from byte `start` (which must be a line start), streamed in chunks, so
 * memory holds one chunk and one partial line whatever the file's size. Offsets are counted
 * in bytes, not characters: a checkpoint must point at a byte, and UTF-8 lines vary in width.
 * A last line without a newline is a line too.
 */
export async function* readLines(path: string, start = 0, firstNumber = 1): AsyncGenerator<FileLine> {
  let offset = start
  let number = firstNumber
  let carry: Buffer | null = null
  for await (const chunk of createReadStream(path, { start, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buffer: Buffer = carry === null ? chunk : Buffer.concat([carry, chunk])
    let from = 0
    for (let at = buffer.indexOf(newline, from); at !== -1; at = buffer.indexOf(newline, from)) {
      const stop = at > from && buffer[at - 1] === carriageReturn ? at - 1 : at
      offset += at + 1 - from
      yield { text: buffer.toString('utf8', from, stop), number: number++, end: offset }
      from = at + 1
    }
    carry = from < buffer.length ? buffer.subarray(from) : null
  }
  if (carry !== null) {
    const stop = carry[carry.length - 1] === carriageReturn ? carry.length - 1 : carry.length
    yield { text: carry.toString('utf8', 0, stop), number, end: offset + carry.length }
  }
}
