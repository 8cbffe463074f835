import * as E from 'fp-ts/lib/Either.js'
import type { App } from '../domain/app.js'
import type { AppId } from '../domain/brand.js'
import type { Input } from '../domain/input.js'
import type { PushToken } from '../domain/token.js'
import type { Issue } from './issue.js'
import { issuesOf } from './issue.js'
import type { InputCodecs } from './inputs.js'
import { fastDecodeOf } from './inputs.js'

/** The apps an input may name (S3: an input naming another app is rejected). */
export type AppLookup = (appId: AppId) => App | undefined

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u)

/**
 * S3: decodes one input at the boundary: its shape (io-ts), then what only the app knows
 * (platform token shapes, D5, D13, S4). Total: any value gives an input or issues naming a
 * path and a rule, never an exception.
 */
export const decodeInput = (
  codecs: InputCodecs,
  apps: AppLookup,
  u: unknown,
  path: string,
): E.Either<readonly Issue[], Input> => {
  try {
    if (!isRecord(u)) return E.left([{ path, rule: 'S3', message: 'must be an input object' }])
    const type = u['type']
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(codecs, type)) {
      return E.left([{ path: `${path}.type`, rule: 'S3', message: `must be one of ${Object.keys(codecs).join(', ')}` }])
    }
    const codec = codecs[type as keyof InputCodecs]
    // Most inputs are valid: the fast path decodes them; the codec names the issues of the others.
    let input = fastDecodeOf(codec)?.(u) as Input | undefined
    if (input === undefined) {
      const decoded = codec.decode(u)
      if (E.isLeft(decoded)) return E.left(issuesOf(decoded.left, path))
      input = decoded.right as Input
    }
    const issues = appIssues(input, apps, path)
    return issues.length > 0 ? E.left(issues) : E.right(input)
  } catch {
    return E.left([{ path, rule: 'S3', message: 'could not be read as JSON data' }])
  }
}

const apnsHex = /^(?:[0-9a-fA-F]{2}){16,100}$/

const appIssues = (input: Input, apps: AppLookup, path: string): Issue[] => {
  if (!('appId' in input)) return []
  const app = apps(input.appId)
  if (app === undefined) return [{ path: `${path}.appId`, rule: 'S3', message: 'names an app this registry is not configured with' }]
  const issues: Issue[] = []
  const token = 'token' in input ? input.token : undefined
  if (token !== undefined) issues.push(...tokenIssues(app, token, `${path}.token`))
  if (app.platform === 'web' && token !== undefined && 'permission' in input && input.permission !== 'granted') {
    issues.push({
      path: `${path}.permission`,
      rule: 'D5',
      message: 'a browser holds a push subscription only with permission granted',
    })
  }
  if ('apnsEnvironment' in input && input.apnsEnvironment !== undefined && app.platform !== 'ios') {
    issues.push({ path: `${path}.apnsEnvironment`, rule: 'S4', message: 'only iOS tokens have an APNs environment' })
  }
  return issues
}

/** R5, S1, D13: what a token looks like on each platform. */
const tokenIssues = (app: App, token: PushToken, path: string): Issue[] => {
  if (app.platform === 'web') {
    return typeof token === 'string'
      ? [{ path, rule: 'S1', message: 'a web app token is a Web Push subscription { endpoint, keys }' }]
      : []
  }
  if (typeof token !== 'string') {
    return [{ path, rule: 'S3', message: `a ${app.platform} token is a string, not a Web Push subscription` }]
  }
  if (app.platform === 'ios' && (app.provider ?? 'apns') === 'apns' && !apnsHex.test(token)) {
    return [{ path, rule: 'D13', message: 'an APNs token is a hex string of even length, 32 to 200 characters' }]
  }
  return []
}
