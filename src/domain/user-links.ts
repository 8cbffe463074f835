import type { Instant, UserId } from './brand.js'
import { erasedUser } from './erased-user.js'
import type { DeviceFact } from './input.js'
import { emptyList, insertSorted } from './order.js'
import type { LatestOptIn, RecordKey, RegistrationRef, UserLink, UserLinksRecord, UserRecord } from './records.js'
import { userLinksKey } from './records.js'
import type { Overlay, World } from './world.js'
import { reads } from './world.js'

/**
 * D14: links a node of a user's links holds before it splits. A node is written only when a
 * link is added to it (the first time a user is named somewhere), so this bounds that commit.
 */
export const linkCapacity = 128

/** A string that names a link uniquely: what a leaf sorts its links by. */
export const linkId = (link: UserLink): string => {
  switch (link.kind) {
    case 'registration':
      return `r\u0000${link.appId}\u0000${link.deviceId}`
    case 'contact':
      return `c\u0000${link.contact}\u0000${link.value}`
    case 'changelog':
      return `l\u0000${link.userId}\u0000${link.seq}`
  }
}

/** The 8 hex digits of a link's hash (32-bit FNV-1a of its id): its path in the trie. */
export const linkHash = (link: UserLink): string => {
  const id = linkId(link)
  let hash = 0x811c9dc5
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, '0')
}

/**
 * The nodes adding `link` reads, as far as `world` has loaded them: from the root down to the
 * first node not loaded yet, absent, a leaf, or not listing the next digit. The shell loads
 * them and asks again, so a new user's first link reads their root alone.
 */
export const linkNeeds = (world: World, userId: UserId, link: UserLink): RecordKey[] => {
  const hash = linkHash(link)
  const keys: RecordKey[] = []
  for (let depth = 0; depth <= hash.length; depth++) {
    const key = userLinksKey(userId, hash.slice(0, depth))
    keys.push(key)
    if (!(world.has?.(key) ?? true)) break
    const node = reads(world).links(userId, hash.slice(0, depth))
    if (node === undefined || node.links !== undefined || !(node.children ?? emptyList).includes(hash.charAt(depth))) break
  }
  return keys
}

/** The keys of every node a link may be in, from the root down: what adding or removing it reads. */
export const linkPath = (userId: UserId, link: UserLink): RecordKey[] => {
  const hash = linkHash(link)
  return Array.from({ length: hash.length + 1 }, (_, depth) => userLinksKey(userId, hash.slice(0, depth)))
}

const byId = (a: UserLink, b: UserLink): number => {
  const x = linkId(a)
  const y = linkId(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * Adds `link` to the user's links (nothing when it is there): walks its path from the root to
 * the leaf that holds its prefix, and adds it there; a leaf over `linkCapacity` splits into its
 * children. Every add writes a node erasure's last commit deletes (a new leaf is listed by its
 * parent, a new root goes with the user record), so the two conflict. Reads through `tx`.
 */
export const addLink = (tx: Overlay, userId: UserId, link: UserLink): void => {
  const read = reads(tx)
  const hash = linkHash(link)
  let parent: UserLinksRecord | undefined
  for (let depth = 0; depth <= hash.length; depth++) {
    const node = hash.slice(0, depth)
    // An inner node lists its children: one it does not list is absent, and is not read.
    const listed = parent === undefined || (parent.children ?? emptyList).includes(hash.charAt(depth - 1))
    const current = listed ? read.links(userId, node) : undefined
    if (current === undefined) {
      tx.put({ kind: 'links', userId, node, links: [link] })
      // A new root is written with the user's record (as it is), so that it conflicts with
      // an erasure's last commit, which deletes that record.
      const user = parent === undefined ? read.user(userId) : undefined
      if (user !== undefined) tx.put(user)
      // Written even when it already lists the child (erasure deleted it): the commit then
      // conflicts with one that lists the trie to delete it.
      if (parent !== undefined) tx.put({ ...parent, children: insertSorted(parent.children ?? emptyList, hash.charAt(depth - 1), compareStrings) })
      return
    }
    if (current.links !== undefined) {
      const links = insertSorted(current.links, link, byId)
      if (links === current.links) return
      if (links.length <= linkCapacity || depth === hash.length) {
        tx.put({ ...current, links })
        return
      }
      // Split: the links move into children by their next digit.
      const groups = new Map<string, UserLink[]>()
      for (const l of links) {
        const digit = linkHash(l).charAt(depth)
        groups.set(digit, [...(groups.get(digit) ?? []), l])
      }
      const children = [...groups.keys()].sort(compareStrings)
      tx.put({ kind: 'links', userId, node, children })
      for (const digit of children) tx.put({ kind: 'links', userId, node: node + digit, links: groups.get(digit) as UserLink[] })
      return
    }
    parent = current
  }
}

/** A leaf without `link`; the same record when it does not hold it. */
export const withoutLink = (leaf: UserLinksRecord, link: UserLink): UserLinksRecord => {
  const id = linkId(link)
  const links = leaf.links?.filter((l) => linkId(l) !== id)
  return links === undefined || links.length === leaf.links?.length ? leaf : { ...leaf, links }
}

/** The leaf of the user's links that holds `link`'s prefix, as `tx` sees it, if any. */
export const leafOf = (world: Overlay | { readonly get: Overlay['get'] }, userId: UserId, link: UserLink): UserLinksRecord | undefined => {
  const read = reads(world)
  const hash = linkHash(link)
  for (let depth = 0; depth <= hash.length; depth++) {
    const node = read.links(userId, hash.slice(0, depth))
    if (node === undefined || node.links !== undefined) return node
    if (!(node.children ?? emptyList).includes(hash.charAt(depth))) return undefined
  }
  return undefined
}

/** Every link of a user, walking their trie through `world` (the shell loads what is missing). */
export const allLinks = (world: { readonly get: Overlay['get'] }, userId: UserId): UserLink[] => {
  const read = reads(world)
  const out: UserLink[] = []
  const walk = (node: string): void => {
    const record = read.links(userId, node)
    if (record === undefined) return
    out.push(...(record.links ?? emptyList))
    for (const digit of record.children ?? emptyList) walk(node + digit)
  }
  walk('')
  return out
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** D2: the users a registration's facts name (logins, logouts, sessions), erased ones left out. */
export const namedUsers = (facts: readonly DeviceFact[]): Set<UserId> => {
  const users = new Set<UserId>()
  for (const fact of facts) {
    const userId = namedBy(fact)
    if (userId !== null) users.add(userId)
  }
  return users
}

/** The user one fact names, if any. */
export const namedBy = (fact: DeviceFact): UserId | null =>
  (fact.type === 'user_changed' || fact.type === 'logged_out' || fact.type === 'session_started') &&
  fact.userId !== undefined &&
  fact.userId !== erasedUser
    ? fact.userId
    : null

/** Whether a user record was written by a release before links, or converted from one. */
export const isUnlinked = (user: UserRecord | undefined): boolean =>
  user !== undefined && (user.unlinked === true || user.registrations !== undefined || user.optIns !== undefined)

/** Registrations by app, then device (as D2 lists them). */
export const compareRefs = (a: RegistrationRef, b: RegistrationRef): number =>
  a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0

/** Whether opt-in `a` is the later one: by time, then the smaller registration (a function of the set, I9). */
export const isLaterOptIn = (a: LatestOptIn, b: LatestOptIn): boolean => a.at > b.at || (a.at === b.at && compareRefs(a, b) < 0)

export const sameRef = (a: RegistrationRef, b: RegistrationRef): boolean => a.appId === b.appId && a.deviceId === b.deviceId

/** The latest of some opt-ins, `undefined` for none. */
export const latestOf = (optIns: Iterable<LatestOptIn>): LatestOptIn | undefined => {
  let latest: LatestOptIn | undefined
  for (const o of optIns) if (latest === undefined || isLaterOptIn(o, latest)) latest = { appId: o.appId, deviceId: o.deviceId, at: o.at }
  return latest
}

/** R12: a user's latest opt-in, from a current record or from the list a release before links kept. */
export const latestOptInOf = (user: UserRecord): LatestOptIn | undefined => user.latestOptIn ?? latestOf(user.optIns ?? [])

/**
 * A user record as this release writes it: the lists a release before links kept in it move
 * into their links (in the same commit), and the record remembers that it was `unlinked`
 * (erasure also scans for what those releases did not link). The same record when it has none.
 */
export const withoutLegacyLists = (tx: Overlay, user: UserRecord): UserRecord => {
  if (user.registrations === undefined && user.optIns === undefined) return user
  const { registrations, optIns, latestOptIn: _, ...rest } = user
  for (const ref of registrations ?? []) addLink(tx, user.userId, { kind: 'registration', appId: ref.appId, deviceId: ref.deviceId })
  const latest = latestOptInOf(user)
  return { ...rest, unlinked: true, ...(latest === undefined ? {} : { latestOptIn: latest }) }
}

/** The opt-in a registration attributes to `userId`, as a candidate for their latest. */
export const optInAt = (ref: RegistrationRef, at: Instant | undefined): LatestOptIn | undefined =>
  at === undefined ? undefined : { appId: ref.appId, deviceId: ref.deviceId, at }
