import fc from 'fast-check'
import type { RegistryRecord } from 'push-registry'
import { createReferenceStorage } from 'push-registry/testing'
import { describe, expect, it } from 'vitest'
import { validInputs } from '../../src/testing/arbitraries.js'
import { allRecords, recordKinds } from '../../src/testing/sample-records.js'
import { kitRegistry } from '../../src/testing/universe.js'
import { tableOf, tables } from './typed-tables.js'

// Migration 008 stores each record as a row of its kind's table: key fields and query columns
// in columns, the rest in `data`, nothing twice. A row travels as JSON (the commit's parameter,
// jsonb, the read's json_build_object), so the round trip goes through JSON too.

/** record → row → JSON → row → record. */
const roundTrip = (record: RegistryRecord): RegistryRecord => {
  const spec = tableOf(record.kind)
  return spec.recordOf(JSON.parse(JSON.stringify(spec.rowOf(record))) as Record<string, unknown>)
}

/** The records a registry writes for some inputs: every kind, as the kit's arbitraries make them. */
const recordsOf = async (inputs: readonly unknown[]): Promise<RegistryRecord[]> => {
  const reference = createReferenceStorage()
  await kitRegistry(reference).ingest(inputs)
  return allRecords(reference)
}

/** The JSON texts a row's `data` holds, with the key's own values: what must not be there again. */
const repeated = (record: RegistryRecord): string[] => {
  const row = tableOf(record.kind).rowOf(record)
  const data = (row['data'] ?? {}) as Record<string, unknown>
  const out: string[] = []
  if ('kind' in data) out.push('kind')
  for (const field of tableOf(record.kind).keyFields) if (field in data) out.push(field)
  if (record.kind === 'registration') {
    const facts = data['facts'] as Record<string, unknown>[]
    for (const fact of facts) if ('appId' in fact || 'deviceId' in fact) out.push('a fact\'s appId or deviceId')
    const view = data['view'] as Record<string, unknown>
    for (const field of ['owner', 'owners', 'token', 'known']) if (field in view) out.push(`view.${field}`)
    if (record.view.token.status !== 'none' && JSON.stringify(data).includes(JSON.stringify(record.view.token.token))) out.push('the token')
  }
  return out
}

describe('typed rows (migration 008)', () => {
  it('every kind of record has a table, and every table one kind', () => {
    expect(tables.map((t) => t.kind).sort()).toEqual([...recordKinds].sort())
  })

  it('R20, I9: record → row → record is the identity for the records of arbitrary inputs, of every kind', async () => {
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(validInputs, async (inputs) => {
        for (const record of await recordsOf(inputs)) {
          seen.add(record.kind)
          expect(roundTrip(record)).toEqual(record)
        }
      }),
      { numRuns: 200 },
    )
    // A kind the arbitraries never produced would make this vacuous. Settled changelog entries
    // need more history than they make (D14), so they are checked below.
    expect([...seen].sort()).toEqual(['contact', 'delivery', 'dispatch', 'links', 'registration', 'token', 'user'])
  })

  it('R9: a settled changelog entry, and records with optional fields absent or present, come back deep-equal', () => {
    const records = [
      { kind: 'changelog', userId: 'kim', seq: 0, entry: { at: 1, kind: 'token_moved', appId: 'ios', deviceId: 'phone-1', token: 'a1'.repeat(32) } },
      { kind: 'changelog', userId: 'léa:2', seq: 41, entry: { at: 2, kind: 'opted_out', appId: 'web', deviceId: 'phone-2' } },
      { kind: 'links', userId: 'kim', node: '3f', children: ['0', 'a'] },
      { kind: 'delivery', appId: 'ios', dispatchId: 'push-1', deviceId: 'phone-1', event: 'opened' },
      { kind: 'user', userId: 'kim', subscription: { at: 3, value: 'unsubscribed' }, email: null, phone: null, changelog: 42, unlinked: true },
    ] as unknown as RegistryRecord[]
    for (const record of records) expect(roundTrip(record)).toEqual(record)
  })

  it('a row never repeats in data what its columns hold: no kind, no key field, no copy of the registration\'s token', async () => {
    await fc.assert(
      fc.asyncProperty(validInputs, async (inputs) => {
        for (const record of await recordsOf(inputs)) expect(repeated(record), JSON.stringify(record)).toEqual([])
      }),
      { numRuns: 100 },
    )
  })

  it('a registration of another shape (extra fields, odd types, a fact of another device) is kept whole, and comes back deep-equal', async () => {
    const base = (await recordsOf([
      { type: 'session_started', at: '2026-01-01T08:00:00.000Z', appId: 'ios', deviceId: 'phone-1', userId: 'kim', token: 'a1'.repeat(32), permission: 'granted' },
    ])).find((r) => r.kind === 'registration') as Extract<RegistryRecord, { kind: 'registration' }>
    const odd = (change: (r: Record<string, unknown>) => void): RegistryRecord => {
      const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>
      change(copy)
      return copy as unknown as RegistryRecord
    }
    const view = (r: Record<string, unknown>) => r['view'] as Record<string, unknown>
    const token = (r: Record<string, unknown>) => view(r)['token'] as Record<string, unknown>
    const facts = (r: Record<string, unknown>) => r['facts'] as Record<string, unknown>[]
    const variants = [
      odd((r) => (token(r)['extra'] = 1)),
      odd((r) => (token(r)['reportedAt'] = 1.5)),
      odd((r) => (token(r)['status'] = 'paused')),
      odd((r) => delete view(r)['known']),
      odd((r) => (view(r)['owners'] = 'kim')),
      odd((r) => delete view(r)['owner']),
      odd((r) => ((facts(r)[0] as Record<string, unknown>)['deviceId'] = 'phone-2')),
      odd((r) => ((facts(r)[0] as Record<string, unknown>)['token'] = 0)),
      odd((r) => delete (facts(r)[0] as Record<string, unknown>)['appId']),
      odd((r) => (r['$record'] = true)),
      odd((r) => delete r['facts']),
      odd((r) => (view(r)['owners'] = [])),
      odd((r) => (view(r)['owner'] = null)),
      odd((r) => (view(r)['newField'] = { nested: [1, 'x'] })),
      odd((r) => ((facts(r)[0] as Record<string, unknown>)['token'] = { endpoint: 'a1'.repeat(32), keys: { p256dh: 'p', auth: 'a' } })),
    ]
    for (const record of variants) expect(roundTrip(record), JSON.stringify(record)).toEqual(record)
  })
})
