import { afterEach, describe, expect, it } from 'vitest'
import type { Workspace } from './support.js'
import { iosSession, jsonl, workspace } from './support.js'

let ws: Workspace
afterEach(() => ws.dispose())

describe('push-registry erase (issue 12 item 6)', () => {
  it("erases the user's data from the store, says how much, and exits 4 once nothing is left", async () => {
    ws = workspace()
    const db = ['--data', 'db']
    ws.write('in.jsonl', jsonl([iosSession(1), iosSession(2), { type: 'user_attributes', at: '2026-01-01T00:00:02Z', userId: 'u1', email: 'u1@example.com' }]))
    expect((await ws.run(['ingest', 'in.jsonl', ...db, '--quiet'])).code).toBe(0)
    const erased = await ws.run(['erase', 'u1', ...db])
    expect(erased.code).toBe(0)
    expect(JSON.parse(erased.stdout)).toEqual({ external_id: 'u1', erased: true, registrations: 1, contacts: 1 })
    expect(erased.stderr).toMatch(/erase: "u1" removed from 1 registration\(s\) and 1 contact address\(es\)/)
    expect((await ws.run(['profile', 'u1', ...db])).code).toBe(4)
    expect((await ws.run(['profile', 'u2', ...db])).code).toBe(0)
    const again = await ws.run(['erase', 'u1', ...db])
    expect(again).toMatchObject({ code: 4, stdout: '' })
    expect(again.stderr).toMatch(/already erased/)
  })

  it('needs exactly one user id (usage error, exit 2)', async () => {
    ws = workspace()
    expect((await ws.run(['erase'])).code).toBe(2)
    expect((await ws.run(['erase', 'a', 'b'])).code).toBe(2)
  })
})
