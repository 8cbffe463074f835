import type { Provider } from '../../domain/app.js'
import type { AnswerClass } from '../../domain/answer.js'
import type { AppId, DispatchId } from '../../domain/brand.js'

/** The name of an answer class (§4, R15). */
export type AnswerClassName = AnswerClass['class']

/** Why a dispatch stopped trusting its provider credential (R16, R18). */
export interface CredentialStop {
  /**
   * `credentials`: the provider said so (§4). `ambiguous_alike`: every token answered
   * ambiguously and none was delivered or dead, so the credential is the likelier culprit (R18).
   */
  readonly cause: 'credentials' | 'ambiguous_alike'
  /** The status and reason of the first answer that showed it. */
  readonly status: number
  readonly reason?: string
}

/**
 * What one dispatch did. Every target ends in exactly one outcome, so
 * `targeted = delivered + dead + suspect + withheld + credentialsRejected + payloadRejected
 * + transientFailed + credentialsStopped`. No field holds a token (S2).
 */
export interface DispatchReport {
  readonly dispatchId: DispatchId
  readonly appId: AppId
  readonly kind: 'alert' | 'background'
  readonly provider: Provider
  /** Distinct tokens addressed (R27 targets within the audience, each token once). */
  readonly targeted: number
  /** Targets handed to the provider at least once. */
  readonly sent: number
  /** Accepted by the provider. */
  readonly delivered: number
  /** Answered `dead`; fed back, so the registry invalidated them unless re-registered since (R16, R17). */
  readonly dead: number
  /** Answered `ambiguous` and fed back: quarantined, or dead when this dispatch delivered to others (R18, D6). */
  readonly suspect: number
  /** Answered `ambiguous` but not fed back as token evidence, because the credential failed alike (R18). */
  readonly withheld: number
  /** Answered `credentials` themselves; never invalidated (R16, I10). */
  readonly credentialsRejected: number
  /** Not sent (or not re-sent) because the credential was stopped (R16). */
  readonly credentialsStopped: number
  /** Answered `payload`: the message was refused, never the token (I10). */
  readonly payloadRejected: number
  /** Still failing transiently when the retry attempts or budget ran out (R16); unchanged tokens. */
  readonly transientFailed: number
  /** Devices whose SDK reported the push received / opened (`delivery_reported`), when read. */
  readonly received: number
  readonly opened: number
  /** Sends after the first, over all targets. */
  readonly retries: number
  /** Every provider reply by class, retried ones included. */
  readonly answers: Readonly<Record<AnswerClassName, number>>
  /** Set when the dispatch stopped trusting its credential. */
  readonly credentialStop: CredentialStop | null
  /** Fed-back inputs the registry rejected (should stay 0: the dispatcher cleans provider text first). */
  readonly feedbackRejected: number
  /** Milliseconds since the epoch, on the dispatcher's clock. */
  readonly startedAt: number
  readonly finishedAt: number
}

/** The outcome one target ended with. */
export type Outcome =
  | 'delivered'
  | 'dead'
  | 'ambiguous'
  | 'credentialsRejected'
  | 'credentialsStopped'
  | 'payloadRejected'
  | 'transientFailed'

/** The counters of a dispatch in progress; one per dispatch, never shared. */
export class Tally {
  sent = 0
  retries = 0
  feedbackRejected = 0
  readonly outcomes: Record<Outcome, number> = {
    delivered: 0,
    dead: 0,
    ambiguous: 0,
    credentialsRejected: 0,
    credentialsStopped: 0,
    payloadRejected: 0,
    transientFailed: 0,
  }
  readonly answers: Record<AnswerClassName, number> = {
    delivered: 0,
    dead: 0,
    ambiguous: 0,
    credentials: 0,
    payload: 0,
    transient: 0,
  }

  /** What a dispatch reports once every target has an outcome. */
  report(head: {
    readonly dispatchId: DispatchId
    readonly appId: AppId
    readonly kind: 'alert' | 'background'
    readonly provider: Provider
    readonly targeted: number
    /** How the ambiguous outcomes ended (R18): fed back as evidence, or held back. */
    readonly ambiguous: { readonly suspect: number; readonly withheld: number }
    readonly credentialStop: CredentialStop | null
    readonly received: number
    readonly opened: number
    readonly startedAt: number
    readonly finishedAt: number
  }): DispatchReport {
    const o = this.outcomes
    return {
      dispatchId: head.dispatchId,
      appId: head.appId,
      kind: head.kind,
      provider: head.provider,
      targeted: head.targeted,
      sent: this.sent,
      delivered: o.delivered,
      dead: o.dead,
      suspect: head.ambiguous.suspect,
      withheld: head.ambiguous.withheld,
      credentialsRejected: o.credentialsRejected,
      credentialsStopped: o.credentialsStopped,
      payloadRejected: o.payloadRejected,
      transientFailed: o.transientFailed,
      received: head.received,
      opened: head.opened,
      retries: this.retries,
      answers: { ...this.answers },
      credentialStop: head.credentialStop,
      feedbackRejected: this.feedbackRejected,
      startedAt: head.startedAt,
      finishedAt: head.finishedAt,
    }
  }
}
