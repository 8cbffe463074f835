import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'
import { anchorsOf, linksOf } from '../support/markdown.js'

/**
 * The documentation a user gets with the package stands on its own: every link in README.md,
 * docs/*.md and adapters/*\/README.md stays inside the repository and lands on a file the
 * package ships (computed from package.json `files` by npm itself), at an anchor that exists.
 * Web addresses (`https:`) are allowed: they name public documentation, not project files.
 */
const root = resolve(import.meta.dirname, '..', '..')

const shipped = (): Set<string> => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[]
  return new Set((pack?.files ?? []).map((f) => f.path))
}

const pages = (): string[] => [
  'README.md',
  ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
  ...readdirSync(join(root, 'adapters'))
    .map((d) => `adapters/${d}/README.md`)
    .filter((f) => existsSync(join(root, f))),
]

const webScheme = /^(https?|mailto):/i
const anyScheme = /^[a-z][a-z0-9+.-]*:/i

/** What is wrong with one link of `page`, or `null`. */
const problemOf = (page: string, target: string, files: Set<string>): string | null => {
  if (webScheme.test(target)) return null
  if (anyScheme.test(target) || target.startsWith('//')) return 'not a web address nor a file of the package'
  const [path = '', fragment] = target.split('#', 2)
  const file = path === '' ? page : relative(root, resolve(root, dirname(page), decodeURIComponent(path))).split(sep).join('/')
  if (file.startsWith('..') || resolve(root, file) === root) return `points outside the repository (${file})`
  if (!files.has(file)) return `${file} is not in the package (package.json "files")`
  if (fragment !== undefined && file.endsWith('.md') && !anchorsOf(readFileSync(join(root, file), 'utf8')).has(fragment)) {
    return `${file} has no heading #${fragment}`
  }
  return null
}

describe('documentation links', () => {
  const files = shipped()

  it('ships every page it checks, the LICENSE and the adapters\u2019 READMEs', () => {
    const missing = [...pages(), 'LICENSE'].filter((p) => !files.has(p))
    expect(missing).toEqual([])
  })

  it('has no link outside the repository or to a file the package does not ship', () => {
    const problems = pages().flatMap((page) =>
      linksOf(readFileSync(join(root, page), 'utf8')).flatMap(({ target, line }) => {
        const problem = problemOf(page, target, files)
        return problem === null ? [] : [`${page}:${line} ${target}: ${problem}`]
      }),
    )
    expect(problems).toEqual([])
  })

  it('recognises the links it must refuse (the checker itself can fail)', () => {
    const probe = new Set(['README.md', 'docs/rules.md'])
    expect(problemOf('README.md', '../shared/spec/domain.md', probe)).toMatch(/outside the repository/)
    expect(problemOf('docs/rules.md', '../src/index.ts', probe)).toMatch(/not in the package/)
    expect(problemOf('README.md', 'docs/rules.md#no-such-heading', probe)).toMatch(/no heading/)
    expect(problemOf('README.md', 'file:///etc/passwd', probe)).not.toBeNull()
    expect(problemOf('README.md', 'docs/rules.md#decisions', probe)).toBeNull()
    expect(problemOf('README.md', 'https://example.org/x', probe)).toBeNull()
  })
})
