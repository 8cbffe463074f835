import type { AnswerClass } from '../../domain/answer.js'
import { classifyAnswer } from '../../domain/answer.js'
import { ambiguousKeptPerDispatch, failedAlike } from '../../domain/dispatch-verdict.js'
import type { AppId, DeviceId, DispatchId } from '../../domain/brand.js'
import type { ApnsEnvironment, ProviderAnswer } from '../../domain/input.js'
import type { PushToken } from '../../domain/token.js'
import { redact } from '../../domain/token.js'
import type { Clock } from '../../ports/clock.js'
import type { OutgoingPush, ProviderPort, ProviderReply } from '../../ports/provider.js'
import type { IngestReport } from '../ingest.js'
import type { SendRecord } from '../record-send.js'
import { answerInput, cleanReply, domainAnswer, loggableReason } from './answer-input.js'
import { CredentialGate } from './credential-stop.js'
import type { CredentialStop, DispatchReport, Outcome } from './dispatch-report.js'
import { Tally } from './dispatch-report.js'
import type { DispatchEventName, DispatchEvents } from './events.js'
import { Feedback } from './feedback.js'
import type { RetryPolicy } from './retry.js'
import { isQuotaExceeded, planRetry } from './retry.js'
import { providerRoundTrip } from '../telemetry.js'
import { forEachBounded } from './worker-pool.js'

/** One token a dispatch sends to. */
export interface DispatchTarget {
  readonly deviceId: DeviceId
  readonly token: PushToken
  /** S4: an APNs token goes to its own environment only. */
  readonly environment?: ApnsEnvironment
}

/** What the dispatch engine runs with; the dispatcher builds it once. */
export interface EngineDeps {
  readonly clock: Clock
  readonly retry: RetryPolicy
  readonly concurrency: number
  readonly sleep: (ms: number) => Promise<void>
  readonly random: () => number
  /** R18: the app policy's `ambiguousAlikeThreshold`. */
  readonly alikeThreshold: (appId: AppId) => number | null
  readonly feedbackBatchSize: number
  readonly ingest: (inputs: unknown[]) => Promise<IngestReport>
  readonly emit: <K extends DispatchEventName>(name: K, payload: DispatchEvents[K][0]) => void
  readonly stats: (appId: AppId, dispatchId: DispatchId) => Promise<{ readonly received: number; readonly opened: number } | null>
  /** Writes a finished send's counts into its dispatch record (the overview's statistics). */
  readonly recordSend: (send: SendRecord) => Promise<unknown>
  /** Names one run of a dispatch, so that its counts are recorded once. */
  readonly newRunId: () => string
}

/** One dispatch and its targets, streamed (each token once, R27). */
export interface DispatchPlan<T extends DispatchTarget = DispatchTarget> {
  readonly dispatchId: DispatchId
  readonly appId: AppId
  readonly kind: 'alert' | 'background'
  readonly port: ProviderPort
  /** Read as fast as pushes are sent: a stream of any size is never held. */
  readonly targets: Iterable<T> | AsyncIterable<T>
  readonly payload: unknown
  readonly collapseId?: string
  readonly expiresAt?: number
  /** More inputs to feed back with a target's `dead` answer (uninstall tracking, R14). */
  readonly onDead?: (target: T, answer: ProviderAnswer) => readonly unknown[]
}

/** How one target ended: its outcome, and the last answer it got (none if never sent). */
interface Final {
  readonly outcome: Outcome
  readonly answer: ProviderAnswer | null
  readonly verdict: AnswerClass | null
  readonly attempts: number
}

const outcomeOf: Readonly<Record<AnswerClass['class'], Outcome>> = {
  delivered: 'delivered',
  dead: 'dead',
  ambiguous: 'ambiguous',
  credentials: 'credentialsRejected',
  payload: 'payloadRejected',
  transient: 'transientFailed',
}

/**
 * Sends one push to every target through one provider port (one credential), with bounded
 * concurrency, and feeds every final answer back to the registry as a `provider_answer`, so
 * that invalidation (R16, R17) and quarantine (R18, D6) happen through the registry's own
 * transitions. Credentials stop the rest of the dispatch (R16, I10); transient answers are
 * retried (R16); ambiguous answers are held to the end and withheld when the credential
 * failed alike (R18).
 */
export const runDispatch = async <T extends DispatchTarget>(deps: EngineDeps, plan: DispatchPlan<T>): Promise<DispatchReport> => {
  const startedAt = deps.clock.now()
  const provider = plan.port.provider
  const base = { dispatchId: plan.dispatchId, appId: plan.appId }
  const tally = new Tally()
  const gate = new CredentialGate()
  const feedback = new Feedback(deps.ingest, deps.feedbackBatchSize)
  const threshold = deps.alikeThreshold(plan.appId)
  // R18: ambiguous answers are held back while the dispatch may still turn out to have failed
  // alike, and fed back at the end unless it did. A delivered or dead answer settles it (not
  // alike), and so does holding the most a dispatch record names: from there the registry's
  // own verdict over the dispatch's answers (the same rule) decides, so memory stays bounded.
  const held: { readonly input: unknown; readonly answer: ProviderAnswer }[] = []
  let holding = true
  let firstAmbiguous: ProviderAnswer | null = null
  let fedEarly = 0
  let credentialsAnswered = false
  const release = async (): Promise<void> => {
    holding = false
    const inputs = held.splice(0).map((h) => h.input)
    fedEarly += inputs.length
    await feedback.add(...inputs)
  }

  deps.emit('dispatch.started', { ...base, kind: plan.kind, provider })

  const sendOne = async (target: T): Promise<Final> => {
    const push: OutgoingPush = {
      appId: plan.appId,
      token: target.token,
      kind: plan.kind,
      payload: plan.payload,
      dispatchId: plan.dispatchId,
      ...(target.environment === undefined ? {} : { environment: target.environment }),
      ...(plan.collapseId === undefined ? {} : { collapseId: plan.collapseId }),
      ...(plan.expiresAt === undefined ? {} : { expiresAt: plan.expiresAt }),
    }
    let last: ProviderAnswer | null = null
    let lastVerdict: AnswerClass | null = null
    let attempts = 0
    let waited = 0
    for (;;) {
      if (gate.isClosed) return { outcome: 'credentialsStopped', answer: last, verdict: lastVerdict, attempts }
      attempts++
      if (attempts === 1) tally.sent++
      else tally.retries++
      const roundTrip = providerRoundTrip(provider)
      const reply = cleanReply(await safeSend(plan.port, push))
      const answer = domainAnswer({ appId: plan.appId, token: target.token, provider, reply, dispatchId: plan.dispatchId, at: deps.clock.now() })
      const verdict = classifyAnswer(answer)
      roundTrip(verdict.class)
      tally.answers[verdict.class]++
      last = answer
      lastVerdict = verdict
      // §4: APNs ExpiredProviderToken heals by minting a new JWT, which only the adapter can do;
      // the port retries once itself (ProviderPort's contract), so what reaches here has not
      // healed. A second retry here would mint again within seconds, and APNs answers
      // TooManyProviderTokenUpdates to that.
      if (verdict.class !== 'transient') return { outcome: outcomeOf[verdict.class], answer, verdict, attempts }
      const next = planRetry(deps.retry, attempts, waited, reply.retryAfterSeconds, deps.random, isQuotaExceeded(answer))
      if (!next.retry) return { outcome: 'transientFailed', answer, verdict, attempts }
      deps.emit('dispatch.retry', {
        ...base,
        deviceId: target.deviceId,
        token: redact(target.token),
        status: reply.status,
        attempt: attempts,
        delayMs: next.delayMs,
      })
      waited += next.delayMs
      await deps.sleep(next.delayMs)
    }
  }

  const targeted = await forEachBounded(plan.targets, deps.concurrency, async (target) => {
    const final = await sendOne(target)
    tally.outcomes[final.outcome]++
    const { answer, verdict } = final
    if (answer === null || verdict === null) return
    if (final.outcome === 'credentialsRejected') {
      credentialsAnswered = true
      if (gate.close(stopOf('credentials', answer))) deps.emit('dispatch.credentials_stopped', { ...base, provider, ...stopOf('credentials', answer) })
    }
    const reason = loggableReason(answer.reason, answer.token)
    deps.emit('dispatch.answer', {
      ...base,
      deviceId: target.deviceId,
      token: redact(target.token),
      class: verdict.class,
      outcome: final.outcome,
      status: answer.status,
      ...(reason === undefined ? {} : { reason }),
      attempts: final.attempts,
    })
    const input = answerInput(answer)
    if (verdict.class === 'ambiguous') {
      firstAmbiguous ??= answer
      if (!holding) {
        fedEarly++
        await feedback.add(input)
        return
      }
      held.push({ input, answer })
      if (held.length >= ambiguousKeptPerDispatch) await release()
      return
    }
    if (holding && (verdict.class === 'delivered' || verdict.class === 'dead')) await release()
    const more = verdict.class === 'dead' && plan.onDead !== undefined ? plan.onDead(target, answer) : []
    await feedback.add(input, ...more)
  })

  const counts = { delivered: tally.outcomes.delivered, dead: tally.outcomes.dead > 0, ambiguous: tally.outcomes.ambiguous, credentials: credentialsAnswered }
  const withheld = failedAlike(counts, threshold)
  // What the registry makes of the answers fed before the end: it knows no credentials answer
  // (they change nothing, I10), so only its count rule can hold them back.
  const fedWithheld = withheld && failedAlike({ ...counts, credentials: false }, threshold)
  let credentialStop: CredentialStop | null = gate.stop
  if (withheld && credentialStop === null && firstAmbiguous !== null) {
    credentialStop = stopOf('ambiguous_alike', firstAmbiguous)
    deps.emit('dispatch.credentials_stopped', { ...base, provider, ...credentialStop })
  }
  if (!withheld) await feedback.add(...held.map((h) => h.input))
  await feedback.flush()
  tally.feedbackRejected = feedback.rejected
  const finishedAt = deps.clock.now()
  const ambiguous = {
    suspect: (withheld ? 0 : held.length) + (fedWithheld ? 0 : fedEarly),
    withheld: (withheld ? held.length : 0) + (fedWithheld ? fedEarly : 0),
  }
  await deps.recordSend({
    appId: plan.appId,
    dispatchId: plan.dispatchId,
    runId: deps.newRunId(),
    kind: plan.kind,
    targeted,
    sent: tally.sent,
    delivered: tally.outcomes.delivered,
    dead: tally.outcomes.dead,
    suspect: ambiguous.suspect,
    startedAt,
    finishedAt,
  })
  const stats = await deps.stats(plan.appId, plan.dispatchId)
  const report = tally.report({
    dispatchId: plan.dispatchId,
    appId: plan.appId,
    kind: plan.kind,
    provider,
    targeted,
    ambiguous,
    credentialStop,
    received: stats?.received ?? 0,
    opened: stats?.opened ?? 0,
    startedAt,
    finishedAt,
  })
  deps.emit('dispatch.finished', report)
  return report
}

const stopOf = (cause: CredentialStop['cause'], answer: ProviderAnswer): CredentialStop => {
  const reason = loggableReason(answer.reason, answer.token)
  return { cause, status: answer.status, ...(reason === undefined ? {} : { reason }) }
}

/**
 * The port contract says an adapter never throws for an answer or a network failure; one that
 * does anyway (a bug) is treated as "no HTTP answer", which is retried and never invalidates.
 * Its error is not kept: an adapter's message may quote the token (S2).
 */
const safeSend = async (port: ProviderPort, push: OutgoingPush): Promise<ProviderReply> => {
  try {
    const reply = await port.send(push)
    return typeof reply === 'object' && reply !== null ? reply : { status: 0 }
  } catch {
    return { status: 0 }
  }
}
