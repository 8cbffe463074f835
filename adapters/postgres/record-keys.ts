import type { RecordKey, RecordKind, RegistryRecord } from 'push-registry'

/**
 * Where a record lived in the `records` table of migrations 001–007 (dropped by 008): `(kind,
 * scope, id)`, its primary key. The tests write databases of earlier releases with it. The scope
 * is the record's app for the kinds that belong to one (so that every app-scoped lookup and
 * scan starts with the app, R4, I8), the contact kind for contacts, and `''` for users; the id
 * is the natural id the record already holds (a delivery mark's is its dispatch, event and device,
 * a changelog entry's its user and sequence number). Mirrors the memory adapter.
 */
export interface RowKey {
  readonly kind: RecordKind
  readonly scope: string
  readonly id: string
}

/** The kinds whose records belong to an app, and whose scans filter by it. */
export const appScoped = (kind: RecordKind): boolean =>
  kind === 'registration' || kind === 'token' || kind === 'dispatch' || kind === 'delivery'

/** The row key of a record or of a record key. */
export const rowKeyOf = (key: RecordKey | RegistryRecord): RowKey => {
  switch (key.kind) {
    case 'registration':
      return { kind: key.kind, scope: key.appId, id: key.deviceId }
    case 'token':
      return { kind: key.kind, scope: key.appId, id: key.key }
    case 'dispatch':
      return { kind: key.kind, scope: key.appId, id: key.dispatchId }
    case 'user':
      return { kind: key.kind, scope: '', id: key.userId }
    case 'contact':
      return { kind: key.kind, scope: key.contact, id: key.value }
    case 'delivery':
      // A JSON array: unambiguous whatever the ids hold (PostgreSQL text holds no NUL).
      return { kind: key.kind, scope: key.appId, id: JSON.stringify([key.dispatchId, key.event, key.deviceId]) }
    case 'changelog':
      return { kind: key.kind, scope: key.userId, id: String(key.seq) }
    case 'links':
      return { kind: key.kind, scope: key.userId, id: key.node }
  }
}
