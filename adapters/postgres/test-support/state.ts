/**
 * What the fault tests compare: the records a store holds (read through the port's `scan`,
 * so any adapter can be compared with the memory model), and the answers a registry gives.
 */
import { collect } from 'push-registry'
import type { AppId, Registry, RecordKind, Segment, StoragePort } from 'push-registry'
import { canonicalKey as canonicalJson, recordId } from 'push-registry'

const recordKinds: readonly RecordKind[] = ['registration', 'token', 'user', 'dispatch', 'contact', 'delivery', 'changelog']

/** Every stored record by id: its canonical JSON, with its version when `withVersions`. */
export const storedRecords = async (store: StoragePort, withVersions: boolean): Promise<Map<string, string>> => {
  const out = new Map<string, string>()
  for (const kind of recordKinds) {
    let cursor: string | undefined
    do {
      const page = await store.scan({ kind, limit: 2000, ...(cursor === undefined ? {} : { cursor }) })
      for (const stored of page.records) {
        const json = canonicalJson(stored.record)
        out.set(recordId(stored.record), withVersions ? `v${stored.version} ${json}` : json)
      }
      cursor = page.next ?? undefined
    } while (cursor !== undefined)
  }
  return out
}

/** How two sets of records differ: ids only on one side, and a few ids held differently. */
export interface RecordDiff {
  readonly onlyActual: readonly string[]
  readonly onlyExpected: readonly string[]
  readonly differing: readonly { readonly id: string; readonly actual: string; readonly expected: string }[]
  readonly differingCount: number
}

/** Compares records by id; an empty diff means the stores hold the same records. */
export const diffRecords = (actual: ReadonlyMap<string, string>, expected: ReadonlyMap<string, string>, shown = 3): RecordDiff => {
  const onlyActual = [...actual.keys()].filter((id) => !expected.has(id))
  const onlyExpected = [...expected.keys()].filter((id) => !actual.has(id))
  const differing: { id: string; actual: string; expected: string }[] = []
  let differingCount = 0
  for (const [id, json] of actual) {
    const other = expected.get(id)
    if (other !== undefined && other !== json) {
      differingCount++
      if (differing.length < shown) differing.push({ id, actual: json, expected: other })
    }
  }
  return { onlyActual: onlyActual.slice(0, shown), onlyExpected: onlyExpected.slice(0, shown), differing, differingCount: differingCount + onlyActual.length + onlyExpected.length }
}

const sortCanonically = <A>(items: readonly A[]): A[] =>
  items
    .map((item) => [canonicalJson(item), item] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, item]) => item)

/**
 * Everything a sender can ask about the given apps and users, in an order that does not
 * depend on the storage's scan order: registrations (owners included), segments, targets,
 * profiles, changelogs and exports.
 */
export const answers = async (registry: Registry, appIds: readonly string[], userIds: readonly string[]) => {
  const segments: Segment[] = [
    ...appIds.map((appId): Segment => ({ kind: 'foregroundPushEnabledForApp', appId: appId as AppId })),
    { kind: 'foregroundPushEnabled' },
    { kind: 'backgroundOrForegroundPushEnabled' },
    { kind: 'pushSubscription', state: 'subscribed' },
    { kind: 'pushSubscription', state: 'opted_in' },
    { kind: 'pushSubscription', state: 'unsubscribed' },
  ]
  const segmentMembers: Record<string, string[]> = {}
  for (const segment of segments) segmentMembers[canonicalJson(segment)] = [...(await collect(registry.segment(segment)))].sort()
  const targets: Record<string, unknown[]> = {}
  for (const appId of appIds) {
    for (const kind of ['alert', 'background'] as const) targets[`${kind}:${appId}`] = sortCanonically(await collect(registry.targets({ appId, kind })))
  }
  const profiles: Record<string, unknown> = {}
  const changelogs: Record<string, unknown> = {}
  for (const userId of userIds) {
    profiles[userId] = await registry.profile(userId)
    changelogs[userId] = await registry.changelog(userId)
  }
  const exports = sortCanonically((await registry.exportUsers(userIds)).map((e) => ({ ...e, push_tokens: sortCanonically(e.push_tokens) })))
  return { registrations: sortCanonically(await collect(registry.registrations())), segments: segmentMembers, targets, profiles, changelogs, exports }
}
