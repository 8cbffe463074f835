import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'eventemitter3'
import * as E from 'fp-ts/lib/Either.js'
import { DurationC } from '../../codecs/config.js'
import { isStorableText } from '../../codecs/primitives.js'
import { providerOf } from '../../domain/app.js'
import type { AppId, DispatchId, Instant } from '../../domain/brand.js'
import type { Clock } from '../../ports/clock.js'
import { systemClock } from '../../ports/clock.js'
import type { ProviderPort } from '../../ports/provider.js'
import type { Registry } from '../create-registry.js'
import type { Eligibility } from '../queries.js'
import type { Audience } from './audience.js'
import { audienceTargets } from './audience.js'
import type { DispatchReport } from './dispatch-report.js'
import { DispatchConfigError, DispatchError } from './errors.js'
import type { DispatchEventName, DispatchEvents } from './events.js'
import type { RetryPolicy } from './retry.js'
import { defaultRetryPolicy, retryPolicyProblems } from './retry.js'
import type { DispatchPlan, DispatchTarget, EngineDeps } from './run-dispatch.js'
import { runDispatch } from './run-dispatch.js'
import type { UninstallReport } from './uninstalls.js'
import { measureDispatch } from '../telemetry.js'
import { uninstallInputs } from './uninstalls.js'

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  /** The registry whose targets are sent to and which is told every answer. */
  readonly registry: Registry
  /**
   * The provider port of each app, keyed by `appId`. A port instance is one credential (R16,
   * R18): a credentials failure stops that port for the rest of the dispatch. The dispatcher
   * does not close ports; their owner does.
   */
  readonly providers: Readonly<Record<string, ProviderPort>> | ReadonlyMap<string, ProviderPort>
  /** The time answers are stamped with (`at`) and uninstall tracking measures from. Default: the system clock. */
  readonly clock?: Clock
  /** Pushes in flight at once per dispatch. Default 16. */
  readonly concurrency?: number
  /** Retry of transient answers (R16). Default {@link defaultRetryPolicy}. */
  readonly retry?: Partial<RetryPolicy>
  /** Waits between retries. Default: a timer. Tests pass one that returns at once. */
  readonly sleep?: (ms: number) => Promise<void>
  /** Jitter source, in `[0, 1)`. Default `Math.random`. */
  readonly random?: () => number
  /** Names a dispatch when the request does not. Default: a random UUID. */
  readonly newDispatchId?: () => string
  /** Answers fed back per `ingest` call. Default 500 (at most the registry's batch limit). */
  readonly feedbackBatchSize?: number
  /** Reports kept for {@link Dispatcher.report}, most recent first out last. Default 1,000. */
  readonly keepReports?: number
}

/** One send (R27). */
export interface SendRequest {
  readonly appId: string
  readonly kind: 'alert' | 'background'
  readonly audience: Audience
  /** Provider-specific payload, handed to the port as it is. */
  readonly payload: unknown
  /** R27: overrides the default subscription states and capabilities a send may address. */
  readonly eligibility?: Eligibility
  readonly collapseId?: string
  /** When the provider may drop the push, ms since the epoch. */
  readonly expiresAt?: number
  /** Names the dispatch (D6); default `newDispatchId()`. Reusing one merges the dispatches' evidence. */
  readonly dispatchId?: string
}

/** One round of uninstall tracking (R14). */
export interface UninstallRequest {
  readonly appId: string
  /** Probe tokens not reported for this long: milliseconds, or `"30d"`, `"12h"`, `"P30D"`. */
  readonly olderThan: number | string
  /** The background payload; default `{}` (the adapter makes it a silent push). */
  readonly payload?: unknown
  readonly dispatchId?: string
}

/** Sends pushes, feeds every answer back to the registry, reports. */
export interface Dispatcher {
  /** Sends one push to the audience's targets and resolves when every answer is in the registry. */
  readonly send: (request: SendRequest) => Promise<DispatchReport>
  /** R14: probes idle tokens with a background push; `dead` answers record `uninstalled`. */
  readonly trackUninstalls: (request: UninstallRequest) => Promise<UninstallReport>
  /**
   * A dispatch this dispatcher ran (among the last `keepReports`), with the SDK's received /
   * opened counts read again from the registry; `null` if it did not run it. For any dispatch's
   * delivery counts, whoever sent it, use `registry.dispatchStats`.
   */
  readonly report: (appId: string, dispatchId: string) => Promise<DispatchReport | UninstallReport | null>
  /** Listens to an event; returns the function that stops listening. */
  readonly on: <K extends DispatchEventName>(name: K, listener: (...args: DispatchEvents[K]) => void) => () => void
}

const maxDispatchIdLength = 256

/**
 * Builds the dispatch service over a registry and one provider port per app.
 *
 * @example
 * ```ts
 * import { createDispatcher } from 'push-registry'
 * import { createApnsProvider } from 'push-registry/apns'
 *
 * const dispatcher = createDispatcher({ registry, providers: { ios: createApnsProvider({ … }) } })
 * dispatcher.on('dispatch.credentials_stopped', (e) => log.error(e))
 * const report = await dispatcher.send({
 *   appId: 'ios',
 *   kind: 'alert',
 *   audience: { segment: 'foregroundPushEnabled' },
 *   payload: { aps: { alert: { title: 'Hello' } } },
 * })
 * // report.delivered, report.dead, report.suspect, report.transientFailed, report.credentialsStopped …
 * ```
 * @throws DispatchConfigError when the options cannot work (a port for an unknown app, a
 *   port of another provider than the app's, a bad concurrency or retry policy).
 */
export const createDispatcher = (options: DispatcherOptions): Dispatcher => {
  const { registry } = options
  const providers: ReadonlyMap<string, ProviderPort> =
    options.providers instanceof Map ? options.providers : new Map(Object.entries(options.providers))
  const retry: RetryPolicy = { ...defaultRetryPolicy, ...options.retry }
  const concurrency = options.concurrency ?? 16
  const feedbackBatchSize = options.feedbackBatchSize ?? 500
  const keepReports = options.keepReports ?? 1000
  const apps = new Map(registry.apps.map((app) => [app.appId as string, app]))

  const problems = [...retryPolicyProblems(retry)]
  if (!Number.isInteger(concurrency) || concurrency < 1) problems.push('concurrency must be an integer ≥ 1')
  if ((options as { readonly ambiguousAlikeThreshold?: unknown }).ambiguousAlikeThreshold !== undefined) {
    // R18 is decided in one place for the dispatcher and for answers a host feeds itself.
    problems.push('ambiguousAlikeThreshold is an app policy now: createRegistry({ policy: { <appId>: { ambiguousAlikeThreshold } } })')
  }
  if (!Number.isInteger(feedbackBatchSize) || feedbackBatchSize < 1 || feedbackBatchSize > 10_000) {
    problems.push('feedbackBatchSize must be an integer from 1 to 10,000')
  }
  if (!Number.isInteger(keepReports) || keepReports < 0) problems.push('keepReports must be an integer ≥ 0')
  for (const [appId, port] of providers) {
    const app = apps.get(appId)
    if (app === undefined) problems.push(`providers.${appId}: the registry serves no app ${appId}`)
    else if (typeof port?.send !== 'function') problems.push(`providers.${appId}: not a provider port (no send)`)
    else if (port.provider !== providerOf(app)) {
      problems.push(`providers.${appId}: a ${port.provider} port for an app delivered by ${providerOf(app)}`)
    }
  }
  if (problems.length > 0) throw new DispatchConfigError(problems)

  const clock = options.clock ?? systemClock
  const newDispatchId = options.newDispatchId ?? randomUUID
  const emitter = new EventEmitter<DispatchEvents>()
  const deps: EngineDeps = {
    clock,
    retry,
    concurrency,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: options.random ?? Math.random,
    // R18: the app's policy, the threshold ingest applies to the same answers.
    alikeThreshold: (appId) => apps.get(appId)?.policy.ambiguousAlikeThreshold ?? null,
    feedbackBatchSize,
    ingest: (inputs) => registry.ingest(inputs),
    emit: (name, payload) => {
      // A listener is a logger or a metric: its failure must not stop a dispatch half-way,
      // with pushes sent and their answers not yet fed back.
      try {
        ;(emitter.emit as (name: string, payload: unknown) => boolean)(name, payload)
      } catch {
        // deliberately ignored, see above
      }
    },
    stats: (appId, dispatchId) => registry.dispatchStats({ appId, dispatchId }),
    recordSend: (send) => registry.recordSend(send),
    newRunId: randomUUID,
  }

  const reports = new Map<string, DispatchReport | UninstallReport>()
  const remember = <R extends DispatchReport>(report: R): R => {
    if (keepReports === 0) return report
    const key = reportKey(report.appId, report.dispatchId)
    reports.delete(key)
    reports.set(key, report)
    for (const oldest of reports.keys()) {
      if (reports.size <= keepReports) break
      reports.delete(oldest)
    }
    return report
  }

  const start = (appId: string, requested: string | undefined): { port: ProviderPort; dispatchId: DispatchId } => {
    const app = apps.get(appId)
    if (app === undefined) throw new DispatchError('unknown_app', `the registry serves no app ${JSON.stringify(appId)}`)
    const port = providers.get(appId)
    if (port === undefined) throw new DispatchError('no_provider', `no provider port was given for app ${JSON.stringify(appId)}`)
    const dispatchId = requested ?? newDispatchId()
    if (typeof dispatchId !== 'string' || dispatchId.length < 1 || dispatchId.length > maxDispatchIdLength || !isStorableText(dispatchId)) {
      throw new DispatchError('bad_request', `dispatchId must be 1 to ${maxDispatchIdLength} characters of text`)
    }
    return { port, dispatchId: dispatchId as DispatchId }
  }

  const run = <T extends DispatchTarget>(plan: DispatchPlan<T>) =>
    measureDispatch({ appId: plan.appId, kind: plan.kind, provider: plan.port.provider }, () => runDispatch(deps, plan))

  return {
    send: async (request) => {
      const { port, dispatchId } = start(request.appId, request.dispatchId)
      if (request.kind !== 'alert' && request.kind !== 'background') {
        throw new DispatchError('bad_request', 'kind must be alert or background')
      }
      if (request.expiresAt !== undefined && !Number.isFinite(request.expiresAt)) {
        throw new DispatchError('bad_request', 'expiresAt must be a time in ms since the epoch')
      }
      const appId = request.appId as AppId
      const targets = audienceTargets(registry, appId, request.kind, request.audience, request.eligibility)
      const report = await run({
        dispatchId,
        appId,
        kind: request.kind,
        port,
        targets,
        payload: request.payload,
        ...(request.collapseId === undefined ? {} : { collapseId: request.collapseId }),
        ...(request.expiresAt === undefined ? {} : { expiresAt: request.expiresAt }),
      })
      return remember(report)
    },

    trackUninstalls: async (request) => {
      const { port, dispatchId } = start(request.appId, request.dispatchId)
      const olderThan = DurationC.decode(request.olderThan)
      if (E.isLeft(olderThan)) throw new DispatchError('bad_request', 'olderThan must be a duration: milliseconds, "30d", "12h" or "P30D"')
      const appId = request.appId as AppId
      // R5: web has no background push; a push there would show the user a notification.
      const idle =
        apps.get(appId)?.platform === 'web'
          ? []
          : registry.idleTargets({ appId, seenBefore: (clock.now() - olderThan.right) as Instant })
      let uninstalled = 0
      const report = await run({
        dispatchId,
        appId,
        kind: 'background',
        port,
        targets: idle,
        payload: request.payload ?? {},
        onDead: (target, answer) => {
          const inputs = uninstallInputs(target, answer)
          uninstalled += inputs.length
          return inputs
        },
      })
      return remember({ ...report, uninstalled })
    },

    report: async (appId, dispatchId) => {
      const stored = reports.get(reportKey(appId, dispatchId))
      if (stored === undefined) return null
      const stats = await registry.dispatchStats({ appId, dispatchId })
      return { ...stored, received: stats?.received ?? 0, opened: stats?.opened ?? 0 }
    },

    on: (name, listener) => {
      emitter.on(name, listener as never)
      return () => {
        emitter.off(name, listener as never)
      }
    },
  }
}

const reportKey = (appId: string, dispatchId: string): string => `${appId}\u0000${dispatchId}`
