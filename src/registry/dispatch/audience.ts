import * as E from 'fp-ts/lib/Either.js'
import { parseSegment } from '../../codecs/segment.js'
import type { AppId, UserId } from '../../domain/brand.js'
import type { Segment } from '../../domain/segment.js'
import type { Registry } from '../create-registry.js'
import type { Eligibility, Target } from '../queries.js'
import { DispatchError } from './errors.js'

/**
 * Who a send is for: the users of a segment (R21–R24; an object or its name, as
 * `foregroundPushEnabled`), or a list of user ids. Anonymous devices belong to no audience.
 */
export type Audience = { readonly segment: Segment | string } | { readonly userIds: readonly string[] }

/** Which owners of a page of targets are in the audience. */
type Members = (owners: readonly UserId[]) => Promise<ReadonlySet<UserId>> | ReadonlySet<UserId>

/**
 * The audience as a membership test, checked before anything is sent: a segment name that
 * does not parse, or a malformed list, is a `bad_request`. A list is the caller's and bounded
 * by it; a segment is asked about one page of owners at a time, never gathered.
 */
const membersOf = (registry: Registry, audience: Audience): Members => {
  if ('userIds' in audience) {
    if (!Array.isArray(audience.userIds) || audience.userIds.some((u) => typeof u !== 'string')) {
      throw new DispatchError('bad_request', 'audience.userIds must be a list of user ids')
    }
    const listed = new Set(audience.userIds as readonly UserId[])
    return () => listed
  }
  if ('segment' in audience) {
    let segment: Segment
    if (typeof audience.segment !== 'string') segment = audience.segment
    else {
      const parsed = parseSegment(audience.segment)
      if (E.isLeft(parsed)) throw new DispatchError('bad_request', `audience.segment (${parsed.left.rule}): ${parsed.left.message}`)
      segment = parsed.right
    }
    return async (owners) => new Set(await registry.segmentMembers(segment, owners))
  }
  throw new DispatchError('bad_request', 'audience must be { segment } or { userIds }')
}

/** Targets examined per membership question: one store query per page of this many. */
const pageOfTargets = 1024

/**
 * R27: the targets of a send, streamed: the registry's targets for `kind` (eligibility
 * overridable), restricted to devices one of whose owners is in the audience. The audience is
 * validated at once (this throws `DispatchError` before any target is read); the stream holds
 * one page of targets at a time, whatever the audience's size.
 *
 * Each token comes once: the store holds a token active on one registration of an app at a
 * time (I2), and a page is read at one instant. A token that moves to another device while
 * the send streams can be met twice, once on each side of the move (docs/decisions.md).
 */
export const audienceTargets = (
  registry: Registry,
  appId: AppId,
  kind: 'alert' | 'background',
  audience: Audience,
  eligibility: Eligibility | undefined,
): AsyncIterable<Target> => {
  const members = membersOf(registry, audience)
  const all = registry.targets({ appId, kind, ...(eligibility === undefined ? {} : { eligibility }) })
  return filteredInPages(all.byPage(), async (page) => {
    const owners = [...new Set(page.flatMap((target) => target.owners))]
    const inAudience = await members(owners)
    return page.filter((target) => target.owners.some((owner) => inAudience.has(owner)))
  })
}

/**
 * The items of a stream of pages, `keep` deciding `pageOfTargets` of them at a time, with the
 * source's back-pressure (a store page is split, never joined to the next).
 */
async function* filteredInPages<T>(pages: AsyncIterable<readonly T[]>, keep: (page: readonly T[]) => Promise<readonly T[]>): AsyncIterable<T> {
  for await (const page of pages) {
    for (let i = 0; i < page.length; i += pageOfTargets) yield* await keep(page.slice(i, i + pageOfTargets))
  }
}
