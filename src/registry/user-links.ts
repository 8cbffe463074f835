import type { UserId } from '../domain/brand.js'
import type { RecordKey, RegistrationRef, UserLink, UserLinksRecord, UserRecord } from '../domain/records.js'
import { userLinksKey } from '../domain/records.js'
import { compareRefs, linkId } from '../domain/user-links.js'
import type { StoragePort, StoredRecord } from '../ports/storage.js'

/** Keys read per call: a kiosk user's pages come in a few reads, not one huge one. */
const readBatch = 4096

/** Reads `keys` through `read`, `readBatch` at a time. */
export const readAll = async (read: StoragePort['read'], keys: readonly RecordKey[]): Promise<(StoredRecord | undefined)[]> => {
  const out: (StoredRecord | undefined)[] = []
  for (let i = 0; i < keys.length; i += readBatch) out.push(...(await read(keys.slice(i, i + readBatch))))
  return out
}

/**
 * D14: every link of each user, read by key, their tries a level at a time (one read per level
 * for all of them, `readBatch` keys at a time); for a record written by a release before
 * links, the registrations it lists too, without repeats. Also answers the nodes read, which
 * erasure deletes. Users without links have none.
 */
export const linksOf = async (read: StoragePort['read'], users: readonly UserRecord[] | readonly UserId[]): Promise<Map<UserId, UserLink[]>> =>
  (await userTries(read, users)).links

/** Every link and node of each user's trie (see `linksOf`). */
export const userTries = async (
  read: StoragePort['read'],
  users: readonly UserRecord[] | readonly UserId[],
): Promise<{ readonly links: Map<UserId, UserLink[]>; readonly nodes: Map<UserId, StoredRecord[]> }> => {
  const links = new Map<UserId, UserLink[]>()
  const nodes = new Map<UserId, StoredRecord[]>()
  for (const user of users) {
    const userId = typeof user === 'string' ? user : user.userId
    links.set(userId, typeof user === 'string' ? [] : (user.registrations ?? []).map((ref) => ({ kind: 'registration', appId: ref.appId, deviceId: ref.deviceId })))
    nodes.set(userId, [])
  }
  let level: RecordKey[] = [...links.keys()].map((userId) => userLinksKey(userId, ''))
  while (level.length > 0) {
    const next: RecordKey[] = []
    for (const stored of await readAll(read, level)) {
      const node = stored?.record as UserLinksRecord | undefined
      if (stored === undefined || node === undefined) continue
      nodes.get(node.userId)?.push(stored)
      links.get(node.userId)?.push(...(node.links ?? []))
      for (const digit of node.children ?? []) next.push(userLinksKey(node.userId, node.node + digit))
    }
    level = next
  }
  for (const [userId, list] of links) links.set(userId, distinct(list))
  return { links, nodes }
}

const distinct = (links: readonly UserLink[]): UserLink[] => {
  const seen = new Set<string>()
  return links.filter((link) => {
    const id = linkId(link)
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}

/** The registrations among some links, by app then device (as D2 lists them). */
export const registrationLinks = (links: readonly UserLink[]): RegistrationRef[] =>
  links.flatMap((link) => (link.kind === 'registration' ? [{ appId: link.appId, deviceId: link.deviceId }] : [])).sort(compareRefs)
