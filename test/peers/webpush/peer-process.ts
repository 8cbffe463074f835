/**
 * The Web Push peer in a process of its own, driven over IPC (`child_process.fork` with
 * `--import tsx`). The bench uses it so that the peer's decryption and VAPID checks run on
 * another core instead of being billed to the client under measurement.
 *
 * Messages in: `{ type: 'subscribe', count }`, `{ type: 'stats' }`, `{ type: 'close' }`.
 * Messages out: `{ type: 'ready', hostname, port, ca }`, `{ type: 'subscriptions', list }`,
 * `{ type: 'stats', received, delivered, refused }`.
 */
import type { PeerSubscription } from './start-web-push-peer.js'
import { startWebPushPeer } from './start-web-push-peer.js'

/** What the parent may ask. */
export type PeerProcessRequest =
  | { readonly type: 'subscribe'; readonly count: number }
  | { readonly type: 'stats' }
  | { readonly type: 'close' }

/** What the peer process says. */
export type PeerProcessMessage =
  | { readonly type: 'ready'; readonly hostname: string; readonly port: number; readonly ca: string }
  | { readonly type: 'subscriptions'; readonly list: readonly PeerSubscription[] }
  | { readonly type: 'stats'; readonly received: number; readonly delivered: number; readonly refused: number }

const reply = (message: PeerProcessMessage): void => {
  process.send?.(message)
}

const main = async (): Promise<void> => {
  if (process.send === undefined) throw new Error('peer-process.ts runs as a forked child only')
  const peer = await startWebPushPeer()
  process.on('message', (request: PeerProcessRequest) => {
    switch (request.type) {
      case 'subscribe':
        reply({ type: 'subscriptions', list: Array.from({ length: request.count }, () => peer.subscribe()) })
        return
      case 'stats':
        reply({
          type: 'stats',
          received: peer.received.length,
          delivered: peer.received.filter((m) => m.status === 201).length,
          refused: peer.requests.filter((r) => r.problem !== undefined).length,
        })
        // The peer keeps every message for tests; a bench only needs the counts.
        return
      case 'close':
        void peer.close().then(() => process.disconnect())
        return
    }
  })
  reply({ type: 'ready', hostname: peer.hostname, port: peer.address.port, ca: peer.ca })
}

void main()
