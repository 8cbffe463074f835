import type { RecordKey, RecordKind, RegistryRecord, UserEntry } from 'push-registry'
import { indexEntryOf } from 'push-registry'
import type { RegistrationRowValues } from './registration-row.js'
import { registrationOf, registrationRow, registrationValueColumns } from './registration-row.js'

/**
 * The typed tables of migration 008, one per kind of record, and how a record maps onto a row
 * of its table and back. Key fields are columns (never repeated in `data`); `data` (jsonb) holds
 * the record's other fields, `NULL` when there are none. Registrations also have their query
 * columns (`registration-row.ts`), users their subscription state (derived, for queries only).
 */

/** A column and its SQL type (as `jsonb_to_recordset` takes it). */
export type Column = readonly [name: string, type: string]

/** One typed table. */
export interface TableSpec {
  readonly kind: RecordKind
  readonly table: string
  /** The key columns, in primary-key order (tokens: the primary key has `key_digest` in place of `key`). */
  readonly keys: readonly Column[]
  /** The other columns the adapter writes, `version` aside. */
  readonly values: readonly Column[]
  /** The record fields the key columns hold, in the order of `keys`. */
  readonly keyFields: readonly string[]
  /** Whether `keys[0]` is `app_id`: scans may name an app, and Citus distributes it by app (docs/scaling.md). */
  readonly appScoped: boolean
  /** The key values of a record or record key, in the order of `keys`. */
  readonly keyOf: (key: RecordKey | RegistryRecord) => readonly (string | number)[]
  /** The row of a record: every key and value column. */
  readonly rowOf: (record: RegistryRecord) => Record<string, unknown>
  /** The record of a row (the inverse of `rowOf`; bigints may come back as strings). */
  readonly recordOf: (row: Record<string, unknown>) => RegistryRecord
}

type Obj = Record<string, unknown>

const dataOf = (record: RegistryRecord, fields: readonly string[]): Obj | null => {
  const rest: Obj = {}
  let any = false
  const r = record as unknown as Obj
  for (const k of Object.keys(r)) {
    if (k === 'kind' || fields.includes(k)) continue
    rest[k] = r[k]
    any = true
  }
  return any ? rest : null
}

/**
 * A table whose record is its key fields plus `data`. `keys` pairs each column with the record
 * field it holds; an `integer` column holds a number.
 */
const plainTable = (
  kind: RecordKind,
  table: string,
  keys: readonly (readonly [column: string, type: string, field: string])[],
  extra: { readonly values?: readonly Column[]; readonly derived?: (record: RegistryRecord) => Obj } = {},
): TableSpec => {
  const fields = keys.map((k) => k[2])
  const keyOf = (key: RecordKey | RegistryRecord): (string | number)[] => fields.map((f) => (key as unknown as Obj)[f] as string | number)
  return {
    kind,
    table,
    keys: keys.map(([c, t]) => [c, t] as const),
    values: [...(extra.values ?? []), ['data', 'json']],
    keyFields: fields,
    appScoped: keys[0]?.[0] === 'app_id',
    keyOf,
    // Filled field by field, with no spread (see registration-row.ts): the commit builds one per write.
    rowOf: (record) => {
      const row: Obj = {}
      for (const [c, , f] of keys) row[c] = (record as unknown as Obj)[f]
      const derived = extra.derived?.(record)
      if (derived !== undefined) for (const k of Object.keys(derived)) row[k] = derived[k]
      row['data'] = dataOf(record, fields)
      return row
    },
    recordOf: (row) => {
      const record: Obj = { kind }
      keys.forEach(([c, t, f]) => (record[f] = t === 'integer' ? Number(row[c]) : row[c]))
      return { ...record, ...((row['data'] as Obj | null) ?? {}) } as unknown as RegistryRecord
    },
  }
}

const registrations: TableSpec = {
  kind: 'registration',
  table: 'registrations',
  keys: [
    ['app_id', 'text'],
    ['device_id', 'text'],
  ],
  values: registrationValueColumns,
  keyFields: ['appId', 'deviceId'],
  appScoped: true,
  keyOf: (key) => {
    const k = key as { appId: string; deviceId: string }
    return [k.appId, k.deviceId]
  },
  rowOf: (record) => registrationRow(record as Extract<RegistryRecord, { kind: 'registration' }>) as unknown as Obj,
  recordOf: (row) => registrationOf(row as unknown as RegistrationRowValues),
}

/** Every typed table, in the order commits lock them (so that two commits queue rather than deadlock). */
export const tables: readonly TableSpec[] = [
  registrations,
  plainTable('token', 'tokens', [
    ['app_id', 'text', 'appId'],
    ['key', 'text', 'key'],
  ]),
  plainTable('user', 'users', [['user_id', 'text', 'userId']], {
    values: [['subscription_state', 'text']],
    derived: (record) => ({ subscription_state: (indexEntryOf(record) as UserEntry).subscription }),
  }),
  plainTable('links', 'user_links', [
    ['user_id', 'text', 'userId'],
    ['node', 'text', 'node'],
  ]),
  plainTable('dispatch', 'dispatches', [
    ['app_id', 'text', 'appId'],
    ['dispatch_id', 'text', 'dispatchId'],
  ]),
  plainTable('delivery', 'delivery_marks', [
    ['app_id', 'text', 'appId'],
    ['dispatch_id', 'text', 'dispatchId'],
    ['device_id', 'text', 'deviceId'],
    ['event', 'text', 'event'],
  ]),
  plainTable('contact', 'contacts', [
    ['contact', 'text', 'contact'],
    ['value', 'text', 'value'],
  ]),
  plainTable('changelog', 'changelog_entries', [
    ['user_id', 'text', 'userId'],
    ['seq', 'integer', 'seq'],
  ]),
]

const byKind = new Map(tables.map((t) => [t.kind, t]))

/** The table of a kind of record. */
export const tableOf = (kind: RecordKind): TableSpec => {
  const spec = byKind.get(kind)
  if (spec === undefined) throw new Error(`no table for records of kind ${JSON.stringify(kind)}`)
  return spec
}

/** Whether a kind's rows are matched by a digest of their last key column (token keys: up to 4,096 characters, S3). */
export const digestKeyed = (spec: TableSpec): boolean => spec.kind === 'token'
