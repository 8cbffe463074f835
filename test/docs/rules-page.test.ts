import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * docs/rules.md is the package's own account of the specification: it has one entry for every
 * rule id the specification defines, and for every id the code cites, so that a reader of a
 * test name or an issue's `rule` never needs a file outside the package.
 */
const root = resolve(import.meta.dirname, '..', '..')
/** The specification sits beside the repository, as the acceptance vectors do. */
const specPath = resolve(root, process.env['SPEC_PATH'] ?? '../shared/spec/domain.md')
const idPattern = /\b([RISD])([1-9][0-9]?)\b/g

const entries = (): Set<string> =>
  new Set([...readFileSync(join(root, 'docs/rules.md'), 'utf8').matchAll(/^- \*\*([RISD][0-9]+)\*\*/gm)].map((m) => m[1] ?? ''))

const specIds = (): Set<string> =>
  new Set([...readFileSync(specPath, 'utf8').matchAll(/^- ([RISD][0-9]+)[. ]/gm)].map((m) => m[1] ?? ''))

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [`${dir}/${e.name}`] : [],
  )

describe('docs/rules.md', () => {
  it('has an entry for every R, I, S and D id of the specification', () => {
    const spec = specIds()
    expect(spec.size).toBeGreaterThan(50)
    const have = entries()
    expect([...spec].filter((id) => !have.has(id))).toEqual([])
  })

  it('has an entry for every rule id the code cites (so the code cites no undefined id), and none the specification does not define', () => {
    const spec = specIds()
    const cited = new Set(
      ['src', 'adapters'].flatMap(sourceFiles).flatMap((f) => [...readFileSync(join(root, f), 'utf8').matchAll(idPattern)].map((m) => `${m[1]}${m[2]}`)),
    )
    const have = entries()
    expect([...cited].filter((id) => !have.has(id))).toEqual([])
    expect([...have].filter((id) => !spec.has(id))).toEqual([])
  })
})
