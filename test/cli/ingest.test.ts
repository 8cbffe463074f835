import { randomBytes } from 'node:crypto'
import { appendFileSync, closeSync, existsSync, ftruncateSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import type { Workspace } from './support.js'
import { androidSession, apnsToken, capture, iosSession, jsonl, parseNdjson, workspace } from './support.js'

let ws: Workspace
afterEach(() => ws.dispose())

const rejectsOf = (path: string): { line: number; issues: { path: string; rule: string; message: string }[]; input?: unknown }[] =>
  parseNdjson(readFileSync(path, 'utf8')) as never

describe('push-registry ingest (memory store)', () => {
  it('S3, I11: applies good lines, writes each rejected line with its number and reasons, exits 3', async () => {
    ws = workspace()
    const unknownApp = { ...iosSession(2), appId: 'nope' }
    const noToken = { ...iosSession(3), token: 42 }
    ws.write('in.jsonl', jsonl([iosSession(1), '{ not json', unknownApp, '', '   ', noToken, iosSession(4), 'null']))
    const result = await ws.run(['ingest', 'in.jsonl', '--batch-size', '2', '--quiet'])
    expect(result.code).toBe(3)
    const rejects = rejectsOf(ws.path('in.jsonl.rejected.jsonl'))
    expect(rejects.map((r) => r.line)).toEqual([2, 3, 6, 8])
    expect(rejects[0]).toEqual({ line: 2, issues: [{ path: 'line', rule: 'S3', message: 'is not valid JSON' }] })
    expect(rejects[1]?.input).toEqual(unknownApp)
    expect(rejects[1]?.issues).toContainEqual(expect.objectContaining({ path: 'input.appId' }))
    expect(rejects[2]?.issues.map((i) => i.path)).toContain('input.token')
    expect(rejects[3]).toMatchObject({ line: 8, input: null })
    expect(result.stderr).toMatch(/ingest: 2 accepted, 4 rejected \(see .*in\.jsonl\.rejected\.jsonl\)/)
    // The rejects file holds tokens: only its owner may read it.
    expect(statSync(ws.path('in.jsonl.rejected.jsonl')).mode & 0o077).toBe(0)
  })

  it('S2: never prints a token on stderr, even for rejected lines', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([{ ...iosSession(5), appId: 'nope' }, { ...iosSession(6), permission: 'maybe' }]))
    const result = await ws.run(['ingest', 'in.jsonl'])
    expect(result.code).toBe(3)
    expect(result.stderr).not.toContain(apnsToken(5).slice(0, 20))
    expect(result.stderr).not.toContain(apnsToken(6).slice(0, 20))
  })

  it('exits 0 with an empty rejects file when every line is accepted, and honours --rejects', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2)]).replace(/\n/g, '\r\n'))
    const result = await ws.run(['ingest', 'in.jsonl', '--rejects', 'bad.jsonl', '--quiet'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/ingest: 2 accepted, 0 rejected; this run 2 inputs/)
    expect(readFileSync(ws.path('bad.jsonl'), 'utf8')).toBe('')
    expect(existsSync(ws.path('in.jsonl.rejected.jsonl'))).toBe(false)
  })

  it('reads a last line that has no newline', async () => {
    ws = workspace()
    ws.write('in.jsonl', `${JSON.stringify(iosSession(1))}\n${JSON.stringify({ ...iosSession(2), appId: 'nope' })}`)
    const result = await ws.run(['ingest', 'in.jsonl', '--quiet'])
    expect(result.code).toBe(3)
    expect(rejectsOf(ws.path('in.jsonl.rejected.jsonl')).map((r) => r.line)).toEqual([2])
  })

  it('redraws one progress line with \\r on a terminal', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2), iosSession(3)]))
    const result = await ws.run(['ingest', 'in.jsonl', '--batch-size', '1'], { tty: true })
    expect(result.stderr).toMatch(/\r\[#+\.*\] +\d+\.\d% \d+ lines +[\d,]+ inputs\/s +rejected 0 +ETA /)
    // The bar is cleared before the summary, which is a line of its own.
    expect(result.stderr).toMatch(/\r\u001b\[Kingest: 3 accepted/)
  })

  it('writes plain progress lines, without \\r, when stderr is not a terminal', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2)]))
    const result = await ws.run(['ingest', 'in.jsonl'])
    expect(result.stderr).not.toContain('\r')
    expect(result.stderr).toMatch(/^ingest: +\d+\.\d% \d+ lines +[\d,]+ inputs\/s +rejected 0 +ETA \S+$/m)
    expect((await ws.run(['ingest', 'in.jsonl', '--quiet'])).stderr.split('\n').filter((l) => l !== '')).toHaveLength(1)
  })

  it('neither reads nor writes a checkpoint on the memory store, which starts empty every run', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2)]))
    ws.write('in.jsonl.checkpoint', '{"version":1}')
    const result = await ws.run(['ingest', 'in.jsonl', '--quiet'])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/the store is in memory, so the checkpoint .* is ignored/)
    expect(result.stderr).toMatch(/2 accepted/)
  })

  it('stops after the batch in progress when the signal aborts (SIGINT/SIGTERM), exit 1', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2), iosSession(3), iosSession(4)]))
    const stop = new AbortController()
    stop.abort()
    const result = await ws.run(['ingest', 'in.jsonl', '--batch-size', '2', '--quiet'], { signal: stop.signal })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/2 accepted, 0 rejected; this run 2 inputs .* stopped after line 2 \(the memory store kept nothing\)/)
  })

  it('S3: a line over the 1 MiB default is a rejected line with its number and a short prefix, never copied whole; the lines after it are applied', async () => {
    ws = workspace()
    const long = { ...iosSession(2), deviceId: 'x'.repeat(20 * 1024 * 1024) }
    ws.write('in.jsonl', jsonl([iosSession(1), long, iosSession(3)]))
    const result = await ws.run(['ingest', 'in.jsonl', '--quiet'])
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/ingest: 2 accepted, 1 rejected/)
    expect(statSync(ws.path('in.jsonl.rejected.jsonl')).size).toBeLessThan(1024)
    const bytes = Buffer.byteLength(JSON.stringify(long))
    expect(rejectsOf(ws.path('in.jsonl.rejected.jsonl'))).toEqual([
      {
        line: 2,
        issues: [{ path: 'line', rule: 'S3', message: `is ${bytes.toLocaleString('en-US')} bytes long; a line holds at most 1,048,576 bytes (--max-line-bytes)` }],
        prefix: JSON.stringify(long).slice(0, 64),
      },
    ])
  })

  it('S3: --max-line-bytes sets the limit; a line at the limit is read, one byte over is rejected', async () => {
    ws = workspace()
    const first = JSON.stringify(iosSession(1))
    const second = JSON.stringify(iosSession(2))
    ws.write('in.jsonl', `${first}\r\n${second} \n${JSON.stringify(iosSession(3))}\n`)
    const result = await ws.run(['ingest', 'in.jsonl', '--quiet', '--max-line-bytes', String(first.length)])
    expect(result.code).toBe(3)
    expect(rejectsOf(ws.path('in.jsonl.rejected.jsonl')).map((r) => [r.line, r.issues[0]?.message])).toEqual([[2, `is ${second.length + 1} bytes long; a line holds at most ${first.length} bytes (--max-line-bytes)`]])
    expect(result.stderr).toMatch(/ingest: 2 accepted, 1 rejected/)
    const bad = await ws.run(['ingest', 'in.jsonl', '--max-line-bytes', '0'])
    expect(bad.code).toBe(2)
  })

  it('S3: a 520 MiB line (over the longest string V8 can build) is rejected while read, and the valid lines after it are applied', async () => {
    ws = workspace()
    const path = ws.path('huge.jsonl')
    // A sparse file: 520 MiB of NUL bytes as line 1 take no disk, then valid lines.
    const fd = openSync(path, 'w')
    ftruncateSync(fd, 520 * 1024 * 1024)
    writeSync(fd, `\n${jsonl([iosSession(1), iosSession(2)])}`, 520 * 1024 * 1024)
    closeSync(fd)
    const result = await ws.run(['ingest', 'huge.jsonl', '--quiet'])
    expect(result.stderr).toMatch(/ingest: 2 accepted, 1 rejected/)
    expect(result.code).toBe(3)
    expect(rejectsOf(ws.path('huge.jsonl.rejected.jsonl'))).toEqual([{ line: 1, issues: [expect.objectContaining({ path: 'line', rule: 'S3' })], prefix: '\u0000'.repeat(64) }])
  })

  it('a missing input file is a runtime failure (exit 1)', async () => {
    ws = workspace()
    const result = await ws.run(['ingest', 'missing.jsonl'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/cannot read .*missing\.jsonl \(ENOENT\)/)
  })
})

describe('push-registry ingest --data (resumable)', () => {
  // Multi-byte characters before the checkpoint: offsets must count bytes, not characters.
  const lines = [
    { ...iosSession(1), userId: 'zoë-ünïcødé-😀' },
    iosSession(2),
    { ...iosSession(3), permission: 'perhaps' },
    iosSession(4),
    iosSession(5),
    iosSession(6),
    iosSession(7),
    '{oops',
    iosSession(9),
    iosSession(10),
  ]

  it('I9: a run stopped after two batches resumes after the last committed one; each line is reported once', async () => {
    ws = workspace()
    const text = jsonl(lines)
    ws.write('in.jsonl', text)
    const first = await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--batch-size', '2', '--max-batches', '2', '--quiet'])
    expect(first.stderr).toMatch(/stopped after line 4, run again to resume/)
    expect(first.code).toBe(3)
    const checkpoint = JSON.parse(readFileSync(ws.path('in.jsonl.checkpoint'), 'utf8')) as Record<string, unknown>
    const fourLines = Buffer.byteLength(text.split('\n').slice(0, 4).join('\n') + '\n')
    expect(checkpoint).toMatchObject({ version: 1, file: ws.path('in.jsonl'), offset: fourLines, line: 4, accepted: 3, rejected: 1 })
    expect(rejectsOf(ws.path('in.jsonl.rejected.jsonl')).map((r) => r.line)).toEqual([3])

    // A crash after a batch's rejects were written but before its checkpoint: the resumed run cuts them back.
    appendFileSync(ws.path('in.jsonl.rejected.jsonl'), '{"line":8,"issues":[]}\n')
    const second = await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--batch-size', '2', '--quiet'])
    expect(second.stderr).toMatch(/resuming after line 4/)
    expect(second.stderr).toMatch(/ingest: 8 accepted, 2 rejected .*this run 6 inputs/)
    expect(second.code).toBe(3)
    expect(rejectsOf(ws.path('in.jsonl.rejected.jsonl')).map((r) => r.line)).toEqual([3, 8])

    // Every accepted line reached the store, across the two runs.
    const exported = await ws.run(['export', '--data', 'db', '--segment', 'foregroundPushEnabledForApp:ios', '--now', '2026-01-02T00:00:00Z'])
    expect(exported.code).toBe(0)
    const ids = parseNdjson(exported.stdout).map((e) => (e as { external_id: string }).external_id)
    expect(ids.sort()).toEqual(['u10', 'u2', 'u4', 'u5', 'u6', 'u7', 'u9', 'zoë-ünïcødé-😀'].sort())
  })

  it('says what it is doing before the first progress line: opening the PGlite directory, migrating a new one (not under --quiet)', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1)]))
    const stderr = capture()
    const opened = stderr.waitFor(/ingest: opening PGlite database \S+db …\n/)
    const migrating = stderr.waitFor(/ingest: migrating schema push_registry: \d+ migration\(s\) …\n/)
    const running = ws.run(['ingest', 'in.jsonl', '--data', 'db'], { stderr })
    // Both are written while the store opens, before anything is read from the file.
    expect((await opened).index).toBeLessThan((await migrating).index)
    const first = await running
    expect(first.code).toBe(0)
    expect(first.stderr.indexOf('migrating')).toBeLessThan(first.stderr.indexOf('ingest: 1 accepted'))
    const again = await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--restart'])
    expect(again.stderr).toMatch(/ingest: opening PGlite database/)
    expect(again.stderr).not.toMatch(/migrating/)
    const quiet = await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--restart', '--quiet'])
    expect(quiet.stderr).not.toMatch(/opening/)
  })

  it('--restart ignores the checkpoint and starts again at line 1 (re-applying is harmless, I9)', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl(lines))
    await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--quiet'])
    const again = await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--restart', '--quiet'])
    expect(again.stderr).not.toMatch(/resuming/)
    expect(again.stderr).toMatch(/ingest: 8 accepted, 2 rejected .*this run 10 inputs/)
    expect(rejectsOf(ws.path('in.jsonl.rejected.jsonl')).map((r) => r.line)).toEqual([3, 8])
    const exported = await ws.run(['export', '--data', 'db', '--segment', 'backgroundOrForegroundPushEnabled', '--now', '2026-01-02T00:00:00Z'])
    expect(parseNdjson(exported.stdout)).toHaveLength(8)
  })

  it('refuses a checkpoint written for another store, another file, or a file now shorter (exit 2)', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl(lines))
    await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--quiet'])
    const otherStore = await ws.run(['ingest', 'in.jsonl', '--data', 'db2'])
    expect(otherStore.code).toBe(2)
    expect(otherStore.stderr).toMatch(/was written for PGlite .*db schema push_registry, not PGlite .*db2 .*--restart/)
    ws.write('copy.jsonl', jsonl(lines))
    const otherFile = await ws.run(['ingest', 'copy.jsonl', '--data', 'db', '--checkpoint', 'in.jsonl.checkpoint'])
    expect(otherFile.code).toBe(2)
    expect(otherFile.stderr).toMatch(/belongs to .*in\.jsonl/)
    writeFileSync(ws.path('in.jsonl'), jsonl(lines.slice(0, 2)))
    const shorter = await ws.run(['ingest', 'in.jsonl', '--data', 'db'])
    expect(shorter.code).toBe(2)
    expect(shorter.stderr).toMatch(/shorter than its checkpoint/)
    ws.write('in.jsonl.checkpoint', '{"version":2}')
    const foreign = await ws.run(['ingest', 'in.jsonl', '--data', 'db'])
    expect(foreign.code).toBe(2)
    expect(foreign.stderr).toMatch(/is not one push-registry wrote/)
  })

  it('S3: stores a line holding a 4,096-character random FCM token in PGlite, and the lines after it', async () => {
    ws = workspace()
    const token = randomBytes(4096).toString('base64url').slice(0, 4096)
    ws.write('in.jsonl', jsonl([androidSession(1), { ...androidSession(2), token }, androidSession(3)]))
    const result = await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--quiet'])
    expect(result.stderr).toMatch(/ingest: 3 accepted, 0 rejected/)
    expect(result.code).toBe(0)
    const exported = await ws.run(['export', '--user', 'u2', '--data', 'db', '--now', '2026-01-02T00:00:00Z'])
    expect(parseNdjson(exported.stdout)).toMatchObject([{ external_id: 'u2', push_tokens: [{ token }] }])
  })

  it('continues with lines appended after a completed run', async () => {
    ws = workspace()
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2)]))
    expect((await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--quiet'])).code).toBe(0)
    appendFileSync(ws.path('in.jsonl'), jsonl([iosSession(3)]))
    const more = await ws.run(['ingest', 'in.jsonl', '--data', 'db', '--quiet'], { stderr: capture() })
    expect(more.code).toBe(0)
    expect(more.stderr).toMatch(/3 accepted, 0 rejected; this run 1 inputs/)
  })
})
