import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { App } from '../domain/app.js'
import type { AppId } from '../domain/brand.js'
import { ambiguousKeptPerDispatch } from '../domain/dispatch-verdict.js'
import type { Duration, PolicyOverrides } from '../domain/policy.js'
import type { Issue } from './issue.js'
import type { RuleId } from './issue.js'
import { issuesOf, ruleMessage } from './issue.js'
import { boundedInteger, boundedString, oneOf } from './primitives.js'

const units: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
}

/**
 * A duration given as milliseconds, as `"30d"` / `"270 days"` / `"12h"`, or as an ISO-8601
 * duration in days, hours, minutes or seconds (`"P270D"`, `"PT12H"`); a failure cites `rule`.
 */
const durationOf = (rule: RuleId): t.Type<Duration, Duration, unknown> => new t.Type<Duration, Duration, unknown>(
  'Duration',
  (u): u is Duration => typeof u === 'number' && Number.isFinite(u) && u >= 0,
  (u, c) => {
    if (typeof u === 'number' && Number.isFinite(u) && u >= 0) return t.success(u)
    if (typeof u === 'string') {
      const simple = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|days?)$/.exec(u.trim())
      if (simple !== null) return t.success(Number(simple[1]) * (units[simple[2] as string] as number))
      const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(u.trim())
      if (iso !== null && u.trim() !== 'P' && u.trim() !== 'PT') {
        const [, d, h, m, s] = iso.map((x) => Number(x ?? 0))
        return t.success((d as number) * 86_400_000 + (h as number) * 3_600_000 + (m as number) * 60_000 + (s as number) * 1000)
      }
    }
    return t.failure(u, c, ruleMessage(rule, 'must be a duration: milliseconds, "30d", "12h" or ISO-8601 "P30D"'))
  },
  (a) => a,
)

/** R19: a staleness duration (see `durationOf`). */
export const DurationC = durationOf('R19')

/** D14: how long the change feed keeps a change (see `durationOf`). */
export const RetentionC = durationOf('D14')

/** Per-app policy overrides (R10, R12, R18, R19, D14). Unknown keys are refused, not ignored. */
export const PolicyOverridesC: t.Type<PolicyOverrides, unknown, unknown> = t.exact(
  t.partial({
    ownership: oneOf('OwnershipMode', ['exclusive', 'shared'] as const, 'R10'),
    optInWhenPushAuthorized: t.boolean,
    staleAfter: DurationC,
    expireAfter: t.union([DurationC, t.null]),
    suspectConfirmations: boundedInteger('Confirmations', 1, 1000, 'R18'),
    reorderWindow: durationOf('D14'),
    ambiguousAlikeThreshold: t.union([boundedInteger('AlikeThreshold', 1, ambiguousKeptPerDispatch, 'R18'), t.null]),
  }),
) as t.Type<PolicyOverrides, unknown, unknown>

export const AppC: t.Type<App, unknown, unknown> = t.exact(
  t.intersection([
    t.type({
      appId: boundedString<AppId>('AppId', 1, 256),
      name: boundedString('AppName', 1, 256),
      platform: oneOf('Platform', ['ios', 'android', 'web'] as const, 'R5'),
    }),
    t.partial({ provider: boundedString('Provider', 1, 64) }),
  ]),
) as t.Type<App, unknown, unknown>

const unknownKeys = (u: unknown, allowed: readonly string[], path: string): Issue[] =>
  typeof u === 'object' && u !== null && !Array.isArray(u)
    ? Object.keys(u)
        .filter((k) => !allowed.includes(k))
        .map((k) => ({ path: `${path}.${k}`, rule: 'S3' as const, message: 'is not a known option' }))
    : []

/** Decodes the apps and policy overrides a registry is configured with. */
export const decodeConfig = (
  apps: unknown,
  policy: unknown,
): E.Either<readonly Issue[], { apps: readonly App[]; policy: Readonly<Record<string, PolicyOverrides>> }> => {
  const issues: Issue[] = []
  const decodedApps: App[] = []
  if (!Array.isArray(apps) || apps.length === 0) {
    issues.push({ path: 'apps', rule: 'R4', message: 'must list at least one app' })
  } else {
    apps.forEach((app, i) => {
      const decoded = AppC.decode(app)
      if (E.isLeft(decoded)) issues.push(...issuesOf(decoded.left, `apps[${i}]`))
      else if (decodedApps.some((a) => a.appId === decoded.right.appId)) {
        issues.push({ path: `apps[${i}].appId`, rule: 'R4', message: 'is configured twice' })
      } else decodedApps.push(decoded.right)
    })
  }
  const overrides: Record<string, PolicyOverrides> = {}
  if (policy !== undefined) {
    if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) {
      issues.push({ path: 'policy', rule: 'S3', message: 'must be an object keyed by appId' })
    } else {
      for (const [appId, value] of Object.entries(policy)) {
        if (!decodedApps.some((a) => a.appId === appId)) {
          issues.push({ path: `policy.${appId}`, rule: 'R4', message: 'names an app that is not configured' })
          continue
        }
        issues.push(...unknownKeys(value, ['ownership', 'optInWhenPushAuthorized', 'staleAfter', 'expireAfter', 'suspectConfirmations', 'reorderWindow', 'ambiguousAlikeThreshold'], `policy.${appId}`))
        const decoded = PolicyOverridesC.decode(value)
        if (E.isLeft(decoded)) issues.push(...issuesOf(decoded.left, `policy.${appId}`))
        else overrides[appId] = decoded.right
      }
    }
  }
  return issues.length > 0 ? E.left(issues) : E.right({ apps: decodedApps, policy: overrides })
}
