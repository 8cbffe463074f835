/**
 * Web Push send throughput: the adapter (`push-registry/webpush`) next to `web-push`'s own
 * `sendNotification` loop, both sending the same payload to the same loopback peer with the
 * same concurrency window through the same kind of keep-alive agent. The peer runs in a child
 * process, decrypts every push and checks every VAPID JWT; each run is verified to have been
 * delivered and decrypted in full before its rate counts.
 *
 * `npx tsx bench/webpush.ts`, or `npm run bench -- webpush`. Variables: `BENCH_WEBPUSH_N`
 * (5,000 sends per run), `BENCH_WEBPUSH_WINDOW` (8 in flight), `BENCH_REPS` (3 runs each,
 * interleaved; medians).
 */
import { fileURLToPath } from 'node:url'
import type { AppId, ProviderPort } from 'push-registry'
import { createWebPushProvider } from 'push-registry/webpush'
import webPush from 'web-push'
import { LoopbackAgent } from '../test/peers/webpush/loopback-agent.js'
import type { PeerProcessMessage, PeerProcessRequest } from '../test/peers/webpush/peer-process.js'
import type { PeerSubscription } from '../test/peers/webpush/start-web-push-peer.js'
import { median } from './measure.js'
import { forkPeerProcess, runWindow } from './peer-process.js'
import { num, printTable, ratio, verdict } from './table.js'

const envCount = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${raw})`)
  return value
}

const goal = 2
const appId = 'web' as AppId
const payload = JSON.stringify({ title: 'Nouveau message', body: 'Kim vous a écrit: « on se voit à 18 h ? »', url: '/inbox/42' })

/** One run's figures: sends per second, and this process's CPU time per send in µs. */
interface RunFigures {
  readonly rate: number
  readonly cpuMicros: number
}

/** Runs `count` sends with at most `window` in flight, and measures them. */
const measuredWindow = async (count: number, window: number, sendOne: (i: number) => Promise<void>): Promise<RunFigures> => {
  const start = performance.now()
  const cpu = process.cpuUsage()
  await runWindow(count, window, sendOne)
  const used = process.cpuUsage(cpu)
  return { rate: count / ((performance.now() - start) / 1000), cpuMicros: (used.user + used.system) / count }
}

/** Prints the adapter's and `web-push`'s send rates against the loopback peer, and their ratio. */
export async function benchWebPush(): Promise<void> {
  const count = envCount('BENCH_WEBPUSH_N', 5_000)
  const window = envCount('BENCH_WEBPUSH_WINDOW', 8)
  const reps = envCount('BENCH_REPS', 3)
  const peer = await forkPeerProcess<PeerProcessMessage, PeerProcessRequest>(
    fileURLToPath(new URL('../test/peers/webpush/peer-process.ts', import.meta.url)),
    'Web Push',
  )
  const { hostname, port, ca } = peer.ready
  const keys = webPush.generateVAPIDKeys()
  const vapid = { subject: 'mailto:bench@example.com', publicKey: keys.publicKey, privateKey: keys.privateKey }
  const subscriptions: readonly PeerSubscription[] = (await peer.ask({ type: 'subscribe', count: 256 }, 'subscriptions')).list
  const subscriptionAt = (i: number): PeerSubscription => subscriptions[i % subscriptions.length] as PeerSubscription

  const webPushAgent = new LoopbackAgent({ hostname, port, ca }, { maxSockets: window })
  const adapterAgent = new LoopbackAgent({ hostname, port, ca }, { maxSockets: window })
  const provider: ProviderPort = createWebPushProvider({ vapid, allowedHosts: [hostname], agent: adapterAgent })

  const viaWebPush = async (i: number): Promise<void> => {
    const result = await webPush.sendNotification(subscriptionAt(i), payload, { vapidDetails: vapid, agent: webPushAgent, TTL: 3600 })
    if (result.statusCode !== 201) throw new Error(`web-push got ${result.statusCode}`)
  }
  const viaAdapter = async (i: number): Promise<void> => {
    const reply = await provider.send({ appId, token: subscriptionAt(i), kind: 'alert', payload, expiresAt: Date.now() + 3_600_000 })
    if (reply.status !== 201) throw new Error(`the adapter got ${reply.status} ${reply.reason ?? ''}`)
  }

  /** A run counts only if the peer decrypted and accepted every one of its sends. */
  const verifiedRun = async (sendOne: (i: number) => Promise<void>, n: number): Promise<RunFigures> => {
    const before = await peer.ask({ type: 'stats' }, 'stats')
    const figures = await measuredWindow(n, window, sendOne)
    const after = await peer.ask({ type: 'stats' }, 'stats')
    if (after.delivered - before.delivered !== n || after.refused !== before.refused) {
      throw new Error(`the peer accepted ${after.delivered - before.delivered} of ${n} pushes`)
    }
    return figures
  }

  try {
    await verifiedRun(viaWebPush, 300)
    await verifiedRun(viaAdapter, 300)
    const webPushRuns: RunFigures[] = []
    const adapterRuns: RunFigures[] = []
    for (let rep = 0; rep < reps; rep += 1) {
      webPushRuns.push(await verifiedRun(viaWebPush, count))
      adapterRuns.push(await verifiedRun(viaAdapter, count))
    }
    const rates = (runs: readonly RunFigures[]): number[] => runs.map((r) => r.rate)
    const cpu = (runs: readonly RunFigures[]): number => median(runs.map((r) => r.cpuMicros))
    const base = median(rates(webPushRuns))
    const ours = median(rates(adapterRuns))
    const spread = (values: readonly number[]): string => `${num(Math.min(...values))}–${num(Math.max(...values))}`
    printTable(
      `Web Push: ${num(count)} sends per run to the loopback peer (decrypted and VAPID-checked in a child process), ${window} in flight, median of ${reps}`,
      ['sender', 'sends/s', 'min–max', 'ratio', 'goal', '', 'client CPU/send', 'CPU ratio'],
      [
        ['web-push sendNotification (baseline)', num(base), spread(rates(webPushRuns)), ratio(1), '', '', `${num(cpu(webPushRuns))} µs`, ratio(1)],
        [
          'push-registry/webpush',
          num(ours),
          spread(rates(adapterRuns)),
          ratio(ours / base),
          `≥ ${goal}×`,
          verdict(ours / base >= goal),
          `${num(cpu(adapterRuns))} µs`,
          ratio(cpu(webPushRuns) / cpu(adapterRuns)),
        ],
      ],
    )
  } finally {
    await provider.close()
    webPushAgent.destroy()
    adapterAgent.destroy()
    await peer.close({ type: 'close' })
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await benchWebPush()
}
