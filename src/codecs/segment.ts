import * as E from 'fp-ts/lib/Either.js'
import type { AppId, Instant } from '../domain/brand.js'
import type { SubscriptionState } from '../domain/input.js'
import type { Segment } from '../domain/segment.js'
import type { Issue } from './issue.js'

const states: readonly SubscriptionState[] = ['subscribed', 'opted_in', 'unsubscribed']

/**
 * Parses a segment name as the vectors and the HTTP surface write it:
 * `foregroundPushEnabledForApp:<appId>`, `foregroundPushEnabled`,
 * `backgroundOrForegroundPushEnabled`, `pushSubscription:<state>`,
 * `uninstalled:<from ISO>/<to ISO>`.
 */
export const parseSegment = (name: string): E.Either<Issue, Segment> => {
  const colon = name.indexOf(':')
  const head = colon === -1 ? name : name.slice(0, colon)
  const arg = colon === -1 ? '' : name.slice(colon + 1)
  const fail = (rule: Issue['rule'], message: string): E.Either<Issue, Segment> => E.left({ path: 'segment', rule, message })
  switch (head) {
    case 'foregroundPushEnabledForApp':
      return arg === '' ? fail('R21', 'names no app') : E.right({ kind: head, appId: arg as AppId })
    case 'foregroundPushEnabled':
    case 'backgroundOrForegroundPushEnabled':
      return arg === '' ? E.right({ kind: head }) : fail('R22', 'takes no argument')
    case 'pushSubscription':
      return states.includes(arg as SubscriptionState)
        ? E.right({ kind: head, state: arg as SubscriptionState })
        : fail('R24', `state must be one of ${states.join(', ')}`)
    case 'uninstalled': {
      const [from, to] = arg.split('/').map((s) => Date.parse(s))
      return from !== undefined && to !== undefined && Number.isFinite(from) && Number.isFinite(to)
        ? E.right({ kind: head, from: from as Instant, to: to as Instant })
        : fail('R24', 'needs a range <from>/<to> of ISO-8601 times')
    }
    default:
      return fail('R24', 'is not a known segment')
  }
}
