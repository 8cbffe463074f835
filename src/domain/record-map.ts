import type { RecordKey, RegistryRecord } from './records.js'

/**
 * Values by record key, in first-insertion order (as a `Map` keeps them), looked up by the
 * strings the key already holds rather than by a composite `recordId`: building that id costs a
 * concatenation and a fresh hash per look-up, and an input's transition looks records up dozens
 * of times. A string's hash is computed once and kept by the engine, so a look-up by an input's
 * own device id or token is two hash probes and no allocation.
 */
export class RecordMap<V> {
  /** Per kind (by {@link kindIndex}), per scope (app, contact kind, user), per id within the scope: the value's slot. */
  private readonly slots: (Map<string, Map<string | number, number>> | undefined)[] = []
  private readonly keyList: (RecordKey | RegistryRecord)[] = []
  private readonly valueList: V[] = []
  /** Per kind, the scope of the last look-up and its ids (a scope's map, once made, stays). */
  private readonly lastScope: (string | undefined)[] = []
  private readonly lastIds: (Map<string | number, number> | undefined)[] = []

  get size(): number {
    return this.valueList.length
  }

  get(key: RecordKey | RegistryRecord): V | undefined {
    const slot = this.slotOf(key)
    return slot === undefined ? undefined : this.valueList[slot]
  }

  has(key: RecordKey | RegistryRecord): boolean {
    return this.slotOf(key) !== undefined
  }

  set(key: RecordKey | RegistryRecord, value: V): void {
    const kind = kindIndex(key)
    const scope = recordScope(key)
    const id = recordIdWithin(key)
    let scopes = this.slots[kind]
    if (scopes === undefined) this.slots[kind] = scopes = new Map()
    let ids = scopes.get(scope)
    if (ids === undefined) scopes.set(scope, (ids = new Map()))
    const slot = ids.get(id)
    if (slot !== undefined) {
      this.valueList[slot] = value
      return
    }
    ids.set(id, this.valueList.length)
    this.keyList.push(key)
    this.valueList.push(value)
  }

  /** The values, in the order their keys were first set. */
  values(): readonly V[] {
    return this.valueList
  }

  /** The keys, in the order they were first set (as given: a key or the record itself). */
  keys(): readonly (RecordKey | RegistryRecord)[] {
    return this.keyList
  }

  private slotOf(key: RecordKey | RegistryRecord): number | undefined {
    const kind = kindIndex(key)
    const scope = recordScope(key)
    // Most look-ups of a unit are in the scope of the one before (one app): skip that probe.
    if (scope === this.lastScope[kind]) return this.lastIds[kind]?.get(recordIdWithin(key))
    const ids = this.slots[kind]?.get(scope)
    if (ids === undefined) return undefined
    this.lastScope[kind] = scope
    this.lastIds[kind] = ids
    return ids.get(recordIdWithin(key))
  }

}

/** A small number per kind: the first level of a {@link RecordMap} is an array, not a map. */
const kindIndex = (key: RecordKey | RegistryRecord): number => {
  switch (key.kind) {
    case 'registration':
      return 0
    case 'token':
      return 1
    case 'user':
      return 2
    case 'dispatch':
      return 3
    case 'contact':
      return 4
    case 'delivery':
      return 5
    case 'changelog':
      return 6
    case 'links':
      return 7
  }
}

/**
 * A key's scope: the app, contact kind or user it belongs to (a string the key holds). With
 * {@link recordIdWithin}, what names a record without a composite id (stores may key by both).
 */
export const recordScope = (key: RecordKey | RegistryRecord): string => {
  switch (key.kind) {
    case 'registration':
    case 'token':
    case 'dispatch':
    case 'delivery':
      return key.appId
    case 'user':
      return ''
    case 'contact':
      return key.contact
    case 'changelog':
    case 'links':
      return key.userId
  }
}

/** A key's id within its scope ({@link recordScope}): a string (or number) the key holds, composite only for delivery marks. */
export const recordIdWithin = (key: RecordKey | RegistryRecord): string | number => {
  switch (key.kind) {
    case 'registration':
      return key.deviceId
    case 'token':
      return key.key
    case 'user':
      return key.userId
    case 'dispatch':
      return key.dispatchId
    case 'contact':
      return key.value
    case 'delivery':
      return `${key.dispatchId}\u0000${key.event}\u0000${key.deviceId}`
    case 'changelog':
      return key.seq
    case 'links':
      return key.node
  }
}
