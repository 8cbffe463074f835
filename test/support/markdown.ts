/**
 * Just enough Markdown reading for the documentation tests: the links a page makes and the
 * anchors its headings get. Fenced code blocks and inline code spans are skipped, since a
 * `[a](b)` inside code is an example, not a link.
 */

/** One link of a page, with the 1-based line it is on. */
export interface MarkdownLink {
  readonly target: string
  readonly line: number
}

const fence = /^\s*(```|~~~)/
const inlineCode = /`[^`]*`/g
const inlineLink = /!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g
const referenceDefinition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/

/** The lines of a page outside fenced code blocks, with their 1-based numbers. */
const proseLines = (text: string): { readonly text: string; readonly line: number }[] => {
  const out: { text: string; line: number }[] = []
  let inFence = false
  text.split('\n').forEach((line, i) => {
    if (fence.test(line)) {
      inFence = !inFence
      return
    }
    if (!inFence) out.push({ text: line, line: i + 1 })
  })
  return out
}

/** Every inline link, image and reference definition of a page. */
export const linksOf = (text: string): MarkdownLink[] =>
  proseLines(text).flatMap(({ text: line, line: n }) => {
    const prose = line.replace(inlineCode, '``')
    const definition = referenceDefinition.exec(prose)
    if (definition?.[1] !== undefined) return [{ target: definition[1], line: n }]
    return [...prose.matchAll(inlineLink)].flatMap((m) => (m[1] === undefined ? [] : [{ target: m[1], line: n }]))
  })

/** The anchor a heading gets on GitHub and on npm: lower case, punctuation dropped, spaces as hyphens. */
const slugOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')

/** The anchors of a page's headings; a repeated heading gets `-1`, `-2`, … as GitHub does. */
export const anchorsOf = (text: string): Set<string> => {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const { text: line } of proseLines(text)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const slug = slugOf(heading)
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    out.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return out
}
