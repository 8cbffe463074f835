import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * The architecture, checked mechanically (style.md: "keep the core pure mechanically, not by
 * hope"): the domain is pure and self-contained, arrows point inward, and nothing in `src/`
 * reaches into `adapters/`. Every failure names the file, the line and what it found.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry)
      if (statSync(path).isDirectory()) return sourceFiles(path)
      return /\.(ts|mts|cts|tsx|js|mjs)$/.test(entry) ? [path] : []
    })

/**
 * The code of a file with its comments blanked out (newlines kept, so line numbers stay
 * right): doc comments may show `import … from 'push-registry/memory'` or say "no Date.now".
 */
const withoutComments = (text: string): string => {
  let out = ''
  let i = 0
  let quote: string | null = null
  while (i < text.length) {
    const c = text[i] as string
    const next = text[i + 1]
    if (quote !== null) {
      out += c
      if (c === '\\') {
        out += next ?? ''
        i += 2
        continue
      }
      if (c === quote) quote = null
      i++
    } else if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') {
        out += ' '
        i++
      }
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2)
      const stop = end === -1 ? text.length : end + 2
      out += text.slice(i, stop).replace(/[^\n]/g, ' ')
      i = stop
    } else {
      if (c === "'" || c === '"' || c === '`') quote = c
      out += c
      i++
    }
  }
  return out
}

interface Import {
  readonly specifier: string
  readonly line: number
}

const importPatterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /^\s*import\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g]

const importsOf = (code: string): Import[] =>
  code.split('\n').flatMap((text, i) =>
    importPatterns.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => ({ specifier: m[1] as string, line: i + 1 }))),
  )

const where = (file: string, line: number): string => `${relative(root, file)}:${line}`
const isInside = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + sep)
const resolved = (file: string, specifier: string): string | null => (specifier.startsWith('.') ? resolve(dirname(file), specifier) : null)

/** Every line of every file under `dir` that breaks `check`, as "file:line: reason". */
const violations = (dir: string, check: (file: string, code: string) => string[]): string[] =>
  sourceFiles(dir).flatMap((file) => check(file, withoutComments(readFileSync(file, 'utf8'))))

const domain = join(src, 'domain')
const allowedPackages = /^(fp-ts|io-ts)(\/|$)/
const impurities: readonly [RegExp, string][] = [
  [/\bDate\b/, 'Date (time comes from inputs and the clock port, R20)'],
  [/\bMath\s*\.\s*random\b/, 'Math.random (the core must be deterministic, I9)'],
  [/\bprocess\b/, 'process (no environment in the core)'],
  [/\bcrypto\b/, 'crypto (no I/O or randomness in the core)'],
  [/\brequire\s*\(/, 'require( (the core imports only its siblings)'],
  [/\bfetch\s*\(/, 'fetch( (no I/O in the core)'],
  [/\bsetTimeout\b/, 'setTimeout (no timers in the core)'],
]

describe('architecture (style.md)', () => {
  it('finds the sources to check', () => {
    expect(sourceFiles(domain).length).toBeGreaterThan(5)
  })

  it('the domain imports only its siblings, fp-ts and io-ts', () => {
    const found = violations(domain, (file, code) =>
      importsOf(code).flatMap(({ specifier, line }) => {
        const target = resolved(file, specifier)
        if (target !== null ? isInside(target, domain) : allowedPackages.test(specifier)) return []
        return [`${where(file, line)}: imports '${specifier}', outside src/domain (only siblings, fp-ts and io-ts)`]
      }),
    )
    expect(found, found.join('\n')).toEqual([])
  })

  it('the domain never touches Date, Math.random, process, crypto, require, fetch or timers', () => {
    const found = violations(domain, (file, code) =>
      code.split('\n').flatMap((text, i) =>
        impurities.filter(([pattern]) => pattern.test(text)).map(([, what]) => `${where(file, i + 1)}: mentions ${what}: ${text.trim()}`),
      ),
    )
    expect(found, found.join('\n')).toEqual([])
  })

  it('nothing under src/ imports from adapters/', () => {
    const adapters = join(root, 'adapters')
    const found = violations(src, (file, code) =>
      importsOf(code).flatMap(({ specifier, line }) => {
        const target = resolved(file, specifier)
        const intoAdapters = target !== null ? isInside(target, adapters) : /^push-registry\/(memory|postgres|apns|fcm|webpush)(\/|$)/.test(specifier)
        return intoAdapters ? [`${where(file, line)}: imports '${specifier}' from adapters/ (arrows point inward)`] : []
      }),
    )
    expect(found, found.join('\n')).toEqual([])
  })

  it('src/codecs and src/ports do not import src/registry', () => {
    const registry = join(src, 'registry')
    const found = ['codecs', 'ports'].flatMap((layer) =>
      violations(join(src, layer), (file, code) =>
        importsOf(code).flatMap(({ specifier, line }) => {
          const target = resolved(file, specifier)
          const intoRegistry = target !== null ? isInside(target, registry) : specifier === 'push-registry'
          return intoRegistry ? [`${where(file, line)}: imports '${specifier}' (src/${layer} must not depend on src/registry)`] : []
        }),
      ),
    )
    expect(found, found.join('\n')).toEqual([])
  })

  it('the checker itself sees imports and impurities, and ignores comments', () => {
    const code = withoutComments("import { x } from '../codecs/x.js'\n// Date.now in a comment\nconst t = Date.now() /* process */\n")
    expect(importsOf(code)).toEqual([{ specifier: '../codecs/x.js', line: 1 }])
    expect(code.split('\n')[1]?.trim()).toBe('')
    expect(impurities.some(([p]) => p.test(code.split('\n')[2] ?? ''))).toBe(true)
    expect(code.split('\n')[2]).not.toContain('process')
  })
})
