/**
 * The APNs peer in a process of its own, driven over IPC (`child_process.fork` with
 * `--import tsx`). The bench uses it so that the peer's work (TLS, HTTP/2, provider-token and
 * header checks) runs on another core instead of being billed to the client under measurement.
 *
 * Environment: `APNS_PEER_MAX_STREAMS` (the SETTINGS_MAX_CONCURRENT_STREAMS to announce, 1,000).
 * Messages in: `{ type: 'stats' }`, `{ type: 'close' }`.
 * Messages out: `{ type: 'ready', origin, ca, credentials }`, `{ type: 'stats', stats }`.
 */
import type { ApnsPeerStats, PeerCredentials } from './start-apns-peer.js'
import { startApnsPeer } from './start-apns-peer.js'

/** What the parent may ask. */
export type ApnsPeerProcessRequest = { readonly type: 'stats' } | { readonly type: 'close' }

/** What the peer process says. */
export type ApnsPeerProcessMessage =
  | { readonly type: 'ready'; readonly origin: string; readonly ca: string; readonly credentials: PeerCredentials }
  | { readonly type: 'stats'; readonly stats: ApnsPeerStats }

const reply = (message: ApnsPeerProcessMessage): void => {
  process.send?.(message)
}

const main = async (): Promise<void> => {
  if (process.send === undefined) throw new Error('peer-process.ts runs as a forked child only')
  const maxConcurrentStreams = Number(process.env['APNS_PEER_MAX_STREAMS'] ?? '1000')
  // A bench pushes hundreds of thousands: counters only, no per-push records.
  const peer = await startApnsPeer({ record: false, maxConcurrentStreams })
  const credentials = peer.credentials
  if (credentials === undefined) throw new Error('the peer made no signing key')
  process.on('message', (request: ApnsPeerProcessRequest) => {
    switch (request.type) {
      case 'stats':
        reply({ type: 'stats', stats: { ...peer.stats, byStatus: { ...peer.stats.byStatus } } })
        return
      case 'close':
        void peer.close().then(() => process.disconnect())
        return
    }
  })
  reply({ type: 'ready', origin: peer.origin, ca: peer.ca, credentials })
}

void main()
