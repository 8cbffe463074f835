import * as E from 'fp-ts/lib/Either.js'
import { parseSegment } from '../../codecs/segment.js'
import type { AppId, UserId } from '../../domain/brand.js'
import type { Segment } from '../../domain/segment.js'
import { tokenKey } from '../../domain/token.js'
import type { Registry } from '../create-registry.js'
import type { Eligibility, Target } from '../queries.js'
import { DispatchError } from './errors.js'

/**
 * Who a send is for: the users of a segment (R21–R24; an object or its name, as
 * `foregroundPushEnabled`), or a list of user ids. Anonymous devices belong to no audience.
 */
export type Audience = { readonly segment: Segment | string } | { readonly userIds: readonly string[] }

/** The audience's users; a segment name that does not parse is a `bad_request`. */
const audienceUsers = (registry: Registry, audience: Audience): Iterable<UserId> | AsyncIterable<UserId> => {
  if ('userIds' in audience) {
    if (!Array.isArray(audience.userIds) || audience.userIds.some((u) => typeof u !== 'string')) {
      throw new DispatchError('bad_request', 'audience.userIds must be a list of user ids')
    }
    return audience.userIds as readonly UserId[]
  }
  if ('segment' in audience) {
    if (typeof audience.segment !== 'string') return registry.segment(audience.segment)
    const parsed = parseSegment(audience.segment)
    if (E.isLeft(parsed)) throw new DispatchError('bad_request', `audience.segment (${parsed.left.rule}): ${parsed.left.message}`)
    return registry.segment(parsed.right)
  }
  throw new DispatchError('bad_request', 'audience must be { segment } or { userIds }')
}

/**
 * R27, I6: the targets of a send: the registry's targets for `kind` (eligibility overridable),
 * restricted to devices one of whose owners is in the audience, each token once (a token
 * shared by two registrations for an instant, R3, is still one push).
 */
export const audienceTargets = async (
  registry: Registry,
  appId: AppId,
  kind: 'alert' | 'background',
  audience: Audience,
  eligibility: Eligibility | undefined,
): Promise<Target[]> => {
  const users = new Set<string>()
  for await (const user of audienceUsers(registry, audience)) users.add(user)
  const all = registry.targets({ appId, kind, ...(eligibility === undefined ? {} : { eligibility }) })
  return dedupe(all, (target) => target.owners.some((owner) => users.has(owner)))
}

/**
 * The targets a stream gives that `keep`, each token once, first occurrence kept. Only the
 * targets kept are held: the dispatch needs them all (it counts and retries them).
 */
export const dedupe = async <T extends { readonly token: Target['token'] }>(
  targets: Iterable<T> | AsyncIterable<T>,
  keep: (target: T) => boolean = () => true,
): Promise<T[]> => {
  const seen = new Set<string>()
  const out: T[] = []
  for await (const target of targets) {
    if (!keep(target)) continue
    const key = tokenKey(target.token)
    if (seen.has(key)) continue
    seen.add(key)
    out.push(target)
  }
  return out
}
