import type { RecordKey, RecordKind, RegistryRecord, StoragePort } from 'push-registry'
import { recordId } from 'push-registry'
import { it } from 'vitest'
import type { ConformanceOptions } from './options.js'
import { withStore } from './options.js'
import { createReferenceStorage } from './reference-storage.js'
import { kitHexTokens, kitRegistry, kitWebTokens } from './universe.js'

/** Every kind of record the registry stores. */
export const recordKinds: readonly RecordKind[] = ['registration', 'token', 'user', 'dispatch', 'contact', 'delivery', 'changelog', 'links']

/** The key that names a record (what `read` takes). */
export const keyOf = (record: RegistryRecord): RecordKey => {
  switch (record.kind) {
    case 'registration':
      return { kind: 'registration', appId: record.appId, deviceId: record.deviceId }
    case 'token':
      return { kind: 'token', appId: record.appId, key: record.key }
    case 'user':
      return { kind: 'user', userId: record.userId }
    case 'dispatch':
      return { kind: 'dispatch', appId: record.appId, dispatchId: record.dispatchId }
    case 'contact':
      return { kind: 'contact', contact: record.contact, value: record.value }
    case 'delivery':
      return { kind: 'delivery', appId: record.appId, dispatchId: record.dispatchId, deviceId: record.deviceId, event: record.event }
    case 'changelog':
      return { kind: 'changelog', userId: record.userId, seq: record.seq }
    case 'links':
      return { kind: 'links', userId: record.userId, node: record.node }
  }
}

/** Every record of a store, read through full scans, sorted by id. */
export const allRecords = async (store: StoragePort, kinds: readonly RecordKind[] = recordKinds): Promise<RegistryRecord[]> => {
  const out: RegistryRecord[] = []
  for (const kind of kinds) {
    let cursor: string | undefined
    do {
      const page = await store.scan({ kind, limit: 100, ...(cursor === undefined ? {} : { cursor }) })
      out.push(...page.records.map((r) => r.record))
      cursor = page.next ?? undefined
    } while (cursor !== undefined)
  }
  return out.sort((a, b) => (recordId(a) < recordId(b) ? -1 : recordId(a) > recordId(b) ? 1 : 0))
}

const ios = { appId: 'ios', deviceId: 'phone-1' }
const android = { appId: 'android', deviceId: 'tablet:ü/3' }
const web = { appId: 'web', deviceId: 'phone-2' }

/** A short day of a real registry: every kind of record, ids with awkward characters, Web Push objects. */
const morning: readonly unknown[] = [
  { type: 'session_started', at: '2026-01-01T08:00:00.000Z', ...ios, userId: 'charlie', token: kitHexTokens[0], permission: 'granted', osVersion: '17.4', apnsEnvironment: 'production' },
  { type: 'session_started', at: '2026-01-01T08:05:00.000Z', ...android, userId: 'léa:2', token: kitHexTokens[0], permission: 'not_determined', osVersion: '14' },
  { type: 'session_started', at: '2026-01-01T08:10:00.000Z', ...web, token: kitWebTokens[0], permission: 'granted' },
  { type: 'provider_answer', at: '2026-01-01T09:00:00.000Z', appId: 'ios', token: kitHexTokens[0], provider: 'apns', status: 400, reason: 'BadDeviceToken', dispatchId: 'push-1' },
  { type: 'provider_answer', at: '2026-01-01T09:00:00.000Z', appId: 'android', token: kitHexTokens[0], provider: 'fcm', status: 200, dispatchId: 'push-1' },
  { type: 'delivery_reported', at: '2026-01-01T09:01:00.000Z', ...android, dispatchId: 'push-1', event: 'received' },
  { type: 'user_attributes', at: '2026-01-01T10:00:00.000Z', userId: 'charlie', email: 'charlie@example.com', phone: '+33 6 12 34 56 78' },
]

/** The rest of the day: it changes records the morning created. */
const afternoon: readonly unknown[] = [
  { type: 'user_changed', at: '2026-01-01T14:00:00.000Z', ...ios, userId: 'kim' },
  { type: 'prompt_answered', at: '2026-01-01T14:01:00.000Z', ...android, result: 'granted' },
  { type: 'subscription_set', at: '2026-01-01T15:00:00.000Z', userId: 'kim', state: 'unsubscribed' },
  { type: 'user_attributes', at: '2026-01-01T16:00:00.000Z', userId: 'kim', email: 'Charlie@Example.com' },
  // Weeks later: the morning leaves the reorder window, and its changelog entries are settled (D14).
  { type: 'session_started', at: '2026-02-15T08:00:00.000Z', ...ios, token: kitHexTokens[1], permission: 'granted', osVersion: '17.4', apnsEnvironment: 'production' },
]

/** Records as a real registry writes them: after the morning, and after the whole day. */
export interface SampleRecords {
  readonly morning: readonly RegistryRecord[]
  readonly evening: readonly RegistryRecord[]
}

/**
 * Runs a real registry on the reference storage over `parts` of a script, one `ingest` each,
 * and collects every record after each part, so that the contract tests store records of
 * realistic shape (and keep up with the core).
 */
export const recordsAfterEach = async (parts: readonly (readonly unknown[])[]): Promise<RegistryRecord[][]> => {
  const store = createReferenceStorage()
  // The apps' default 30-day reorder window, so that the day ends with settled entries.
  const registry = kitRegistry(store, 8, {})
  const out: RegistryRecord[][] = []
  for (const inputs of parts) {
    const report = await registry.ingest(inputs)
    if (report.rejected.length > 0 || report.refused !== undefined) {
      throw new Error(`the kit's sample inputs were rejected: ${JSON.stringify(report)}`)
    }
    out.push(await allRecords(store))
  }
  return out
}

/** The records of a scripted day of a real registry, after the morning and after the whole day. */
export const sampleRecords = async (): Promise<SampleRecords> => {
  const [after, evening] = await recordsAfterEach([morning, afternoon])
  return { morning: after ?? [], evening: evening ?? [] }
}

/**
 * Declares tests that each get a fresh store of the adapter and the sample records (made once,
 * on the first test that runs).
 */
export const sampleTests = (options: ConformanceOptions): ((name: string, body: (store: StoragePort, sample: SampleRecords) => Promise<void>) => void) => {
  let samples: SampleRecords | undefined
  return (name, body) => {
    it(name, async () => {
      const sample = (samples ??= await sampleRecords())
      await withStore(options, (store) => body(store, sample))
    })
  }
}
