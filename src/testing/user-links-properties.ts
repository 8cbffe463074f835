import fc from 'fast-check'
import type { RegistryRecord, UserLink, UserLinksRecord } from 'push-registry'
import { expect, it } from 'vitest'
import { validInputs } from './arbitraries.js'
import { expectAllAccepted, feed } from './feed.js'
import type { ConformanceOptions, RunSettings } from './options.js'
import { withStore } from './options.js'
import { allRecords } from './sample-records.js'
import { kitRegistry, kitUsers } from './universe.js'

const idOf = (link: UserLink): string =>
  link.kind === 'registration'
    ? `registration ${link.appId}/${link.deviceId}`
    : link.kind === 'contact'
      ? `contact ${link.contact}:${link.value}`
      : `changelog ${link.userId}#${link.seq}`

/** D2, D11, R9: what names `userId`, by a plain fold over every record of the store. */
const namingRecords = (records: readonly RegistryRecord[], userId: string): string[] => {
  const out: string[] = []
  for (const record of records) {
    if (record.kind === 'registration' && record.facts.some((f) => 'userId' in f && f.userId === userId)) {
      out.push(idOf({ kind: 'registration', appId: record.appId, deviceId: record.deviceId }))
    }
    if (record.kind === 'contact' && record.claims.some((c) => c.userId === userId)) out.push(idOf({ kind: 'contact', contact: record.contact, value: record.value }))
    if (record.kind === 'changelog' && record.userId !== userId && (record.entry.from === userId || record.entry.to === userId)) {
      out.push(idOf({ kind: 'changelog', userId: record.userId, seq: record.seq }))
    }
  }
  return out.sort()
}

/**
 * Layer 2, users on many devices (D14): after any inputs, each user's links (the `links`
 * records, as the store returns them) list exactly what a plain fold of the stored records
 * finds naming them (registrations, contact addresses, others' changelog entries), each once;
 * every node is a leaf of at most 128 links or an inner node whose children are stored; and the
 * user record's latest opt-in is the latest of their registrations' opt-ins (R12).
 */
export const describeUserLinksProperties = (options: ConformanceOptions, settings: RunSettings): void => {
  it('D14: a user’s links list exactly what names them, in a bounded trie, and their latest opt-in is the latest of their registrations’', () =>
    fc.assert(
      fc.asyncProperty(validInputs, async (inputs) => {
        await withStore(options, async (store) => {
          expectAllAccepted(await feed(kitRegistry(store), inputs))
          const records = await allRecords(store)
          const nodes = records.filter((r): r is UserLinksRecord => r.kind === 'links')
          for (const userId of kitUsers) {
            const mine = nodes.filter((n) => n.userId === userId)
            const linked = mine.flatMap((n) => (n.links ?? []).map(idOf)).sort()
            expect(linked, `${userId}'s links`).toEqual(namingRecords(records, userId))
            for (const node of mine) {
              if (node.links !== undefined) expect(node.links.length).toBeLessThanOrEqual(128)
              for (const digit of node.children ?? []) expect(mine.some((n) => n.node === node.node + digit), `${userId}/${node.node}${digit}`).toBe(true)
            }
            const user = records.find((r) => r.kind === 'user' && r.userId === userId)
            if (user?.kind !== 'user') continue
            const optIns = records.flatMap((r) => (r.kind === 'registration' ? r.view.optIns.filter((o) => o.userId === userId).map((o) => o.at) : []))
            expect(user.latestOptIn?.at, `${userId}'s latest opt-in`).toBe(optIns.length === 0 ? undefined : Math.max(...optIns))
          }
        })
      }),
      { ...settings, numRuns: Math.max(10, Math.ceil(settings.numRuns / 4)) },
    ))
}
