import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import type { FileLine } from '../../adapters/cli/line-reader.js'
import { prefixBytes, readLines } from '../../adapters/cli/line-reader.js'

const dir = mkdtempSync(join(tmpdir(), 'push-registry-lines-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

const collect = async (path: string, options: Parameters<typeof readLines>[1]): Promise<FileLine[]> => {
  const lines: FileLine[] = []
  for await (const line of readLines(path, options)) lines.push(line)
  return lines
}

/** What a reader must yield for `bytes`, worked out on the whole file at once. */
const model = (bytes: Buffer, max: number): FileLine[] => {
  const lines: FileLine[] = []
  let from = 0
  let number = 1
  while (from < bytes.length) {
    const at = bytes.indexOf(0x0a, from)
    const stop = at === -1 ? bytes.length : at
    const end = at === -1 ? bytes.length : at + 1
    let line = bytes.subarray(from, stop)
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1)
    if (line.length <= max) lines.push({ kind: 'line', text: line.toString('utf8'), number, end })
    else {
      const prefix = bytes.subarray(from, stop).subarray(0, prefixBytes).toString('utf8').replace(/[\uFFFD\r]+$/, '')
      lines.push({ kind: 'too long', number, end, bytes: line.length, prefix })
    }
    number++
    from = end
  }
  return lines
}

describe('the line reader (S3: a line has a length limit)', () => {
  it('S3: yields every line, and every line over the limit as "too long" with its length and prefix, whatever the chunking', async () => {
    const line = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ minLength: 60, maxLength: 200 }),
      fc.constantFrom('', '\r', 'é'.repeat(40), `${'a'.repeat(15)}\r`),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.array(line.map((l) => l.replace(/\n/g, '')), { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 80 }),
        async (lines, eol, lastNewline, chunkBytes, max) => {
          const text = lines.join(eol) + (lastNewline && lines.length > 0 ? eol : '')
          const path = join(dir, `f${files++}.txt`)
          writeFileSync(path, text)
          expect(await collect(path, { chunkBytes, maxLineBytes: max })).toEqual(model(Buffer.from(text), max))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('S3: resumes at a line start with the next number, offsets still counted from the file start', async () => {
    const path = join(dir, 'resume.txt')
    writeFileSync(path, `first\n${'x'.repeat(50)}\nthird\n`)
    const all = await collect(path, { maxLineBytes: 10, chunkBytes: 4 })
    expect(all.map((l) => l.kind)).toEqual(['line', 'too long', 'line'])
    const resumed = await collect(path, { start: all[0]?.end ?? 0, firstNumber: 2, maxLineBytes: 10, chunkBytes: 4 })
    expect(resumed).toEqual(all.slice(1))
  })
})
