import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

/**
 * `npm run docs` (TypeDoc) fails on any warning (typedoc.json `treatWarningsAsErrors`): every
 * type the public API mentions is exported and documented, and every module is named by the
 * specifier users import it with.
 */
const root = resolve(import.meta.dirname, '..', '..')
const out = mkdtempSync(join(tmpdir(), 'push-registry-api-'))

afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('API reference', () => {
  it('builds with no warning, one module per entry point named by its import specifier', () => {
    const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc')
    const log = execFileSync('node', [typedoc, '--out', out], { cwd: root, encoding: 'utf8', stdio: 'pipe' })
    expect(log).not.toMatch(/warning/i)
    expect(readdirSync(join(out, 'modules')).sort()).toEqual(
      ['push-registry', 'push-registry_apns', 'push-registry_fcm', 'push-registry_fp', 'push-registry_http', 'push-registry_memory', 'push-registry_postgres', 'push-registry_testing', 'push-registry_webpush'].map((m) => `${m}.html`),
    )
  })
})
