import { createReadStream } from 'node:fs'

/** One line of a file and where it ends, so that a run can resume right after it. */
export type FileLine =
  | {
      readonly kind: 'line'
      /** The line without its `\n` (or `\r\n`). */
      readonly text: string
      /** 1-based line number in the file. */
      readonly number: number
      /** Byte offset just past the line and its newline: where the next line starts. */
      readonly end: number
    }
  | {
      /** A line over the limit: never held whole, only its length and first bytes are known. */
      readonly kind: 'too long'
      readonly number: number
      readonly end: number
      /** Its length in bytes, without the newline (and a `\r` before it). */
      readonly bytes: number
      /** Its first {@link prefixBytes} bytes, as text (a character cut in two and a final `\r` are dropped). */
      readonly prefix: string
    }

/** Options of {@link readLines}. */
export interface ReadLinesOptions {
  /** Byte offset to start at, which must be a line start. Default 0. */
  readonly start?: number
  /** The number of the line at `start`. Default 1. */
  readonly firstNumber?: number
  /** Bytes in one line, newline excluded; a longer line is a `too long` item. Default {@link defaultMaxLineBytes}. */
  readonly maxLineBytes?: number
  /** Bytes read at a time. Default 1 MiB. */
  readonly chunkBytes?: number
}

/** The default limit of one line: 1 MiB. */
export const defaultMaxLineBytes = 1024 * 1024

/** How much of an over-long line is kept to show which one it was. */
export const prefixBytes = 64

const newline = 0x0a
const carriageReturn = 0x0d

const withoutCr = (bytes: Buffer): Buffer => (bytes.length > 0 && bytes[bytes.length - 1] === carriageReturn ? bytes.subarray(0, bytes.length - 1) : bytes)

/** The first bytes of a line as text, without the replacement character of a cut UTF-8 sequence. */
const prefixOf = (parts: readonly Buffer[]): string => Buffer.concat(parts).subarray(0, prefixBytes).toString('utf8').replace(/[\uFFFD\r]+$/, '')

/**
 * The lines of a file, streamed in chunks: memory holds one chunk and at most `maxLineBytes` of
 * a partial line, whatever the file and its lines. A line over the limit is skipped as it is
 * read, keeping only its length and first bytes, so every byte is looked at once (linear
 * time) and the lines after it are read as usual. Offsets are counted in bytes, not
 * characters: a checkpoint must point at a byte, and UTF-8 lines vary in width. A last line
 * without a newline is a line too.
 */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<FileLine> {
  const start = options.start ?? 0
  const max = options.maxLineBytes ?? defaultMaxLineBytes
  let number = options.firstNumber ?? 1
  // The line read so far, when it is within the limit…
  let parts: Buffer[] = []
  let held = 0
  // …or, once over it, its first bytes and its length.
  let skipped: { head: Buffer; bytes: number; crLast: boolean } | null = null
  const skip = (piece: Buffer): void => {
    if (skipped === null || piece.length === 0) return
    skipped.bytes += piece.length
    skipped.crLast = piece[piece.length - 1] === carriageReturn
    if (skipped.head.length < prefixBytes) skipped.head = Buffer.concat([skipped.head, piece.subarray(0, prefixBytes - skipped.head.length)])
  }
  let offset = start

  /** The line that ends here (`tail` is its last piece), as an item. */
  const finish = (tail: Buffer, end: number): FileLine => {
    skip(tail)
    const item: FileLine =
      skipped !== null
        ? { kind: 'too long', number, end, bytes: skipped.bytes - (skipped.crLast ? 1 : 0), prefix: prefixOf([skipped.head]) }
        : lineOrTooLong([...parts, tail], held + tail.length, number, end, max)
    parts = []
    held = 0
    skipped = null
    number++
    return item
  }

  for await (const chunk of createReadStream(path, { start, highWaterMark: options.chunkBytes ?? 1 << 20 }) as AsyncIterable<Buffer>) {
    let from = 0
    for (let at = chunk.indexOf(newline, from); at !== -1; at = chunk.indexOf(newline, from)) {
      yield finish(chunk.subarray(from, at), offset + at + 1)
      from = at + 1
    }
    const rest = chunk.subarray(from)
    if (skipped !== null) skip(rest)
    else if (held + rest.length > max + 1) {
      // Over the limit (one byte of slack for a `\r` before the newline): keep only what shows it.
      const head = Buffer.from(Buffer.concat([...parts, rest]).subarray(0, prefixBytes))
      skipped = { head, bytes: held + rest.length, crLast: rest[rest.length - 1] === carriageReturn }
      parts = []
      held = 0
    } else if (rest.length > 0) {
      parts.push(rest)
      held += rest.length
    }
    offset += chunk.length
  }
  if (skipped !== null || held > 0) yield finish(Buffer.alloc(0), offset)
}

/** A complete line within `max + 1` bytes: a line, or too long once its `\r` is set aside. */
const lineOrTooLong = (pieces: readonly Buffer[], length: number, number: number, end: number, max: number): FileLine => {
  const whole = withoutCr(pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, length))
  return whole.length > max
    ? { kind: 'too long', number, end, bytes: whole.length, prefix: prefixOf([whole]) }
    : { kind: 'line', text: whole.toString('utf8'), number, end }
}
