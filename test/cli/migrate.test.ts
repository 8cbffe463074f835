import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { migrations } from '../../adapters/postgres/migrations.js'
import type { Workspace } from './support.js'
import { androidSession, capture, iosSession, jsonl, parseNdjson, workspace } from './support.js'

const url = process.env['PUSH_REGISTRY_PG_URL']
const required = process.env['CI'] === 'true'
const schema = `cli_${Math.random().toString(36).slice(2, 10)}`
let ws: Workspace | undefined
// Derived from the shipped list, so that a new migration needs no edit here.
const versions = migrations.map((m) => m.version)
const appliedLines = migrations.map((m) => `applied ${m.version} ${m.name}\n`).join('')

afterAll(async () => {
  ws?.dispose()
  if (url === undefined) return
  const pool = new pg.Pool({ connectionString: url })
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await pool.end()
})

if (url === undefined && !required) console.warn('PUSH_REGISTRY_PG_URL is not set: skipping the CLI tests against a PostgreSQL server')

describe.skipIf(url === undefined && !required)('push-registry migrate --db (PostgreSQL server)', () => {
  it('CI=true requires PUSH_REGISTRY_PG_URL', () => {
    expect(url, 'CI=true but PUSH_REGISTRY_PG_URL is not set').toBeDefined()
  })

  it('refuses to work on a schema that was never migrated (exit 1, naming the command to run)', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1)]))
    const result = await ws.run(['ingest', 'in.jsonl', '--db', url as string, '--schema', schema])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(new RegExp(`the schema ${schema} .* lacks migrations ${versions.join(', ')}: run \`push-registry migrate --db URL --schema ${schema}\` first`))
  })

  it('applies the migrations once and prints them; a second run applies nothing', async () => {
    ws ??= workspace()
    const first = await ws.run(['migrate', '--db', url as string, '--schema', schema])
    expect(first).toMatchObject({ code: 0, stdout: appliedLines })
    const second = await ws.run(['migrate', '--schema', schema], { env: { PUSH_REGISTRY_DB: url as string } })
    expect(second).toMatchObject({ code: 0, stdout: '' })
    expect(second.stderr).toMatch(/is up to date/)
  })

  it('ingests into the migrated schema and exports from it in another run', async () => {
    ws ??= workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2)]))
    expect((await ws.run(['ingest', 'in.jsonl', '--db', url as string, '--schema', schema, '--quiet'])).code).toBe(0)
    const exported = await ws.run(['export', '--user', 'u1', '--user', 'u2', '--db', url as string, '--schema', schema, '--now', '2026-01-02T00:00:00Z'])
    expect(parseNdjson(exported.stdout)).toHaveLength(2)
  })

  it('S3: ingest --db stores a line holding a 4,096-character random FCM token, and the lines after it', async () => {
    ws ??= workspace()
    const token = randomBytes(4096).toString('base64url').slice(0, 4096)
    ws.write('long.jsonl', jsonl([androidSession(1), { ...androidSession(2), token }, androidSession(3)]))
    const result = await ws.run(['ingest', 'long.jsonl', '--db', url as string, '--schema', schema, '--quiet'])
    expect(result.stderr).toMatch(/ingest: 3 accepted, 0 rejected/)
    expect(result.code).toBe(0)
    const exported = await ws.run(['export', '--user', 'u2', '--user', 'u3', '--db', url as string, '--schema', schema, '--now', '2026-01-02T00:00:00Z'])
    expect(parseNdjson(exported.stdout).flatMap((e) => (e as { push_tokens: { token: string }[] }).push_tokens.map((t) => t.token))).toContain(token)
  })

  it('S2: serve prints its listening line with the ?password= of the URL masked', async () => {
    ws ??= workspace()
    const withPassword = `${url as string}${(url as string).includes('?') ? '&' : '?'}password=s3cret-query-pw`
    const stop = new AbortController()
    const stderr = capture()
    const running = ws.run(['serve', '--port', '0', '--quiet', '--db', withPassword, '--schema', schema], { signal: stop.signal, stderr })
    await stderr.waitFor(/listening on|push-registry:/)
    stop.abort()
    const result = await running
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(PostgreSQL postgres:\/\/[^ ]*password=\*\*\* schema/)
    expect(result.stderr).not.toContain('s3cret-query-pw')
  })

  it('a server that cannot be reached is exit 1, with the password masked', async () => {
    ws ??= workspace()
    const result = await ws.run(['migrate', '--db', 'postgres://someone:s3cret-pw@127.0.0.1:1/none'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/cannot use PostgreSQL postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none/)
    expect(result.stderr).not.toContain('s3cret-pw')
  })
})
