import type { CredentialStop } from './dispatch-report.js'

/**
 * R16, I10: the credential a dispatch sends through (its provider port). Once a `credentials`
 * answer arrives the gate closes: no further push of that dispatch goes through the port.
 * Pushes already in flight finish and are reported as answered.
 */
export class CredentialGate {
  private closed: CredentialStop | null = null

  /** Whether sends must stop. */
  get isClosed(): boolean {
    return this.closed !== null
  }

  /** The first answer that closed the gate, or `null`. */
  get stop(): CredentialStop | null {
    return this.closed
  }

  /** Closes the gate; `true` only for the call that closed it (so the event is emitted once). */
  close(stop: CredentialStop): boolean {
    if (this.closed !== null) return false
    this.closed = stop
    return true
  }
}

/** What the alike rule looks at: the final answers of one dispatch through one credential. */
export interface AlikeCounts {
  readonly delivered: number
  readonly dead: number
  readonly ambiguous: number
  /** Whether a `credentials` answer closed the gate. */
  readonly credentialsAnswered: boolean
}

/**
 * R18: "when every token of a credential fails alike it is a credentials failure and nothing
 * is invalidated". The ambiguous answers of a dispatch are withheld (not fed back as token
 * evidence) when nothing in the dispatch showed the credential working — no token was
 * delivered and none answered `dead` (a `410` or `UNREGISTERED` means the provider accepted
 * the credential and looked the token up) — and either at least `threshold` tokens answered
 * ambiguously, or the provider also rejected the credential outright.
 *
 * `threshold` defaults to 2 (one ambiguous answer alone is as likely the token's fault);
 * `Infinity` turns the count rule off.
 */
export const failedAlike = (counts: AlikeCounts, threshold: number): boolean =>
  counts.ambiguous > 0 &&
  counts.delivered === 0 &&
  counts.dead === 0 &&
  (counts.ambiguous >= threshold || counts.credentialsAnswered)
