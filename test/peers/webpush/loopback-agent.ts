import type { Duplex } from 'node:stream'
import { Agent } from 'node:https'
import type { AgentOptions, RequestOptions } from 'node:https'

/** Where the loopback agent really connects, and whom it trusts there. */
export interface LoopbackTarget {
  /** The push service's public host name, as it appears in endpoints (TLS name checked against it). */
  readonly hostname: string
  /** The loopback port the peer listens on. */
  readonly port: number
  /** The peer's self-signed certificate, the agent's only CA. */
  readonly ca: string
}

/**
 * A keep-alive `https.Agent` that connects every request to `127.0.0.1:<port>` while keeping
 * the URL's host name for SNI, certificate checks and the `Host` header: a test's DNS. It
 * exists because S1 (D13) only lets endpoints use the default port, which an ephemeral
 * loopback server cannot have; this way the adapter checks and sends exactly what it would in
 * production, and nothing leaves the machine.
 */
export class LoopbackAgent extends Agent {
  readonly #target: LoopbackTarget

  constructor(target: LoopbackTarget, options: AgentOptions = {}) {
    super({ keepAlive: true, ...options, ca: target.ca })
    this.#target = target
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // Only the peer's name is routed: any other host is refused rather than resolved for real.
    const servername = typeof options.servername === 'string' ? options.servername : options.host
    if (servername !== this.#target.hostname) {
      throw new Error(`the loopback agent only reaches ${this.#target.hostname}`)
    }
    return super.createConnection(
      { ...options, host: '127.0.0.1', port: this.#target.port, servername: this.#target.hostname },
      callback,
    )
  }
}
