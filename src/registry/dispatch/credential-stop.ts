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
