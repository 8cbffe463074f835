import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The package as users install it: tsup builds ESM, CJS and types for every entry of the
 * `exports` map, and a consumer outside the repo can import and require each of them through
 * the package name alone (the memory adapter itself resolves `push-registry` that way). The
 * packed tarball installs into a fresh project that has only `pg` of the two database clients,
 * and type-checks there with `skipLibCheck: false` under every resolution the README supports.
 */
const root = resolve(import.meta.dirname, '..')
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Partial<Record<'import' | 'require', { types: string; default: string }>>>
}
let consumer = ''

// tsup's declaration build takes about 100 s on two idle cores: room for a loaded machine.
beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe' })
  consumer = mkdtempSync(join(tmpdir(), 'push-registry-consumer-'))
  mkdirSync(join(consumer, 'node_modules'))
  symlinkSync(root, join(consumer, 'node_modules', 'push-registry'), 'dir')
}, 600_000)

afterAll(() => {
  if (consumer !== '') rmSync(consumer, { recursive: true, force: true })
})

const story = (load: (specifier: string) => string): string => `
const { createRegistry, fixedClock } = ${load('push-registry')}
const { createMemoryStorage } = ${load('push-registry/memory')}
const { collectTE } = ${load('push-registry/fp')}
const run = async () => {
  const registry = createRegistry({
    apps: [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }],
    storage: createMemoryStorage(),
    clock: fixedClock(Date.parse('2026-01-03T00:00:00Z')),
  })
  await registry.ingest({ type: 'session_started', at: '2026-01-01T00:00:00Z', appId: 'ios', deviceId: 'phone-1', userId: 'charlie', token: 'a1'.repeat(32), permission: 'granted' })
  await registry.ingest({ type: 'user_changed', at: '2026-01-02T00:00:00Z', appId: 'ios', deviceId: 'phone-1', userId: 'kim' })
  const targets = await collectTE(registry.targets({ appId: 'ios', kind: 'alert' }))()
  console.log(JSON.stringify(targets.right.map((t) => t.owners)))
}
run()
`

describe('packaging', () => {
  it('builds every exports entry as ESM, CJS (all but ./testing) and type declarations', () => {
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (typeof target === 'string') continue
      const conditions = entry === './testing' ? ['import'] : ['import', 'require']
      expect(Object.keys(target).sort(), entry).toEqual(conditions.sort())
      for (const condition of Object.values(target)) {
        for (const file of [condition.default, condition.types]) expect(existsSync(join(root, file)), `${entry}: ${file}`).toBe(true)
      }
    }
  })

  it('offers push-registry/testing to import only: require() is refused by the exports map, not by vitest', () => {
    writeFileSync(join(consumer, 'kit.mjs'), `const kit = await import('push-registry/testing'); console.log(Object.keys(kit).sort().join())`)
    expect(execFileSync('node', ['kit.mjs'], { cwd: consumer, encoding: 'utf8' }).trim()).toBe('createReferenceStorage,describeStorageConformance')
    writeFileSync(join(consumer, 'kit.cjs'), `try { require('push-registry/testing') } catch (e) { console.log(e.code) }`)
    expect(execFileSync('node', ['kit.cjs'], { cwd: consumer, encoding: 'utf8' }).trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED')
  })

  it('works from ESM through the package name (R7: the token follows Kim)', () => {
    writeFileSync(join(consumer, 'story.mjs'), story((s) => `await import('${s}')`))
    const out = execFileSync('node', ['story.mjs'], { cwd: consumer, encoding: 'utf8' })
    expect(out.trim()).toBe('[["kim"]]')
  })

  it('recognises every exported error class across the ESM and CJS builds with is() and isPushRegistryError', () => {
    writeFileSync(join(consumer, 'errors.cjs'), acrossBuilds)
    const seen = JSON.parse(execFileSync('node', ['errors.cjs'], { cwd: consumer, encoding: 'utf8' })) as Record<string, boolean[]>
    expect(Object.keys(seen).sort()).toEqual(
      ['ApnsConfigError', 'ContentionError', 'DispatchConfigError', 'DispatchError', 'FcmConfigError', 'PostgresError', 'RegistryConfigError', 'StorageError', 'UiConfigError', 'WebPushConfigError'],
    )
    for (const [name, answers] of Object.entries(seen)) expect(answers, name).toEqual([false, true, true, true, true, false])
  })

  it('works from CommonJS through the package name', () => {
    writeFileSync(join(consumer, 'story.cjs'), story((s) => `require('${s}')`))
    const out = execFileSync('node', ['story.cjs'], { cwd: consumer, encoding: 'utf8' })
    expect(out.trim()).toBe('[["kim"]]')
  })
})

/**
 * One script that loads both builds, as an application with an ESM and a CJS dependency does:
 * for every error class any entry exports, an error made by one build is not `instanceof` the
 * other build's class, but the other build's `is()` and `isPushRegistryError` recognise it.
 */
const acrossBuilds = `
const entries = ['push-registry', 'push-registry/fp', 'push-registry/memory', 'push-registry/postgres', 'push-registry/http', 'push-registry/apns', 'push-registry/fcm', 'push-registry/webpush']
const args = { StorageError: ['read', new Error('down')], ContentionError: [16], RegistryConfigError: [[]], DispatchError: ['bad_request', 'm'], DispatchConfigError: [[]], UiConfigError: ['ui.x', 'r'], FcmConfigError: ['o', 'r'], PostgresError: ['23505', 'm'] }
const run = async () => {
  const esmCore = await import('push-registry')
  const cjsCore = require('push-registry')
  const seen = {}
  for (const entry of entries) {
    const esm = await import(entry)
    const cjs = require(entry)
    for (const [name, value] of Object.entries(esm)) {
      if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue
      const fromEsm = new value(...(args[name] ?? ['m']))
      const fromCjs = new cjs[name](...(args[name] ?? ['m']))
      seen[name] = [
        fromEsm instanceof cjs[name],
        cjs[name].is(fromEsm),
        value.is(fromCjs),
        cjsCore.isPushRegistryError(fromEsm, name),
        esmCore.isPushRegistryError(fromCjs, name),
        cjs[name].is(new Error('m')),
      ]
    }
  }
  console.log(JSON.stringify(seen))
}
run()
`

/** A user of `pg` alone: PostgreSQL storage on a pool, the HTTP handler, the fp-ts view. */
const pgUser = `
import pg from 'pg'
import { createRegistry, type Registry } from 'push-registry'
import { createHttpHandler } from 'push-registry/http'
import { toTaskEither } from 'push-registry/fp'
import { createPostgresStorage, pgDriver, type SqlDriver } from 'push-registry/postgres'

export const open = async (url: string): Promise<Registry> => {
  const pool = new pg.Pool({ connectionString: url, max: 4 })
  const driver: SqlDriver = pgDriver(pool, { endPoolOnClose: true, prepare: true })
  const storage = await createPostgresStorage({ driver, schema: 'push_registry' })
  const registry = createRegistry({ apps: [{ appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' }], storage })
  createHttpHandler({ registry, keys: { 'a-long-random-secret': ['ios'] } })
  void toTaskEither(registry).profile('kim')
  return registry
}
`

const compilerOptions = { strict: true, skipLibCheck: false, noEmit: true, esModuleInterop: true, types: ['node'] }

describe('the packed tarball, in a fresh project with only pg (and @types/pg) of the database clients', () => {
  let project = ''
  const typecheck = (config: string): string => {
    try {
      execFileSync('node', [tsc, '-p', config], { cwd: project, encoding: 'utf8', stdio: 'pipe' })
      return ''
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string }
      return `${stdout ?? ''}${stderr ?? ''}` || String(error)
    }
  }

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'push-registry-pg-only-'))
    const packed = execFileSync('npm', ['pack', '--pack-destination', project, '--ignore-scripts', '--silent'], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop() ?? ''
    const dev = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies
    const dependencies = { 'push-registry': `file:./${packed}`, ...Object.fromEntries(['pg', '@types/pg', 'fp-ts', 'io-ts'].map((n) => [n, dev[n]])) }
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pg-only-consumer', private: true, type: 'module', dependencies }))
    // The cache first: the project's own install fetched these already.
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: project, stdio: 'pipe' })
    writeFileSync(join(project, 'esm.mts'), pgUser)
    writeFileSync(join(project, 'cjs.cts'), pgUser)
    writeFileSync(join(project, 'node10.ts'), pgUser)
    const config = (name: string, options: object, files: string[]): void =>
      writeFileSync(join(project, name), JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, files }))
    config('tsconfig.nodenext.json', { module: 'nodenext', moduleResolution: 'nodenext' }, ['esm.mts', 'cjs.cts'])
    config('tsconfig.bundler.json', { module: 'esnext', moduleResolution: 'bundler' }, ['esm.mts'])
    config('tsconfig.node10.json', { module: 'commonjs', moduleResolution: 'node10' }, ['node10.ts'])
  }, 300_000)

  afterAll(() => {
    if (project !== '') rmSync(project, { recursive: true, force: true })
  })

  it('has no PGlite installed, so nothing can lean on its types', () => {
    expect(existsSync(join(project, 'node_modules', 'pg'))).toBe(true)
    expect(existsSync(join(project, 'node_modules', '@electric-sql'))).toBe(false)
  })

  for (const resolution of ['nodenext', 'bundler', 'node10']) {
    it(`type-checks with skipLibCheck false under moduleResolution ${resolution}`, () => {
      expect(typecheck(`tsconfig.${resolution}.json`)).toBe('')
    }, 300_000)
  }
})
