/**
 * The APNs adapter against the loopback APNs peer, next to what it is measured by:
 * - *raw `node:http2` loop* (the ceiling, ratio 1.00×): one `http2.connect`, one pre-minted
 *   provider token, the same headers and body, one `session.request` per push with at most
 *   `window` in flight. It is what any HTTP/2 APNs client costs with nothing around it.
 * - *`@parse/node-apn`*: its `Provider` pointed at the peer (`address: '127.0.0.1'`, `port`, the
 *   peer's CA), sending one push per `send` with the same window.
 * - *the adapter*: `createApnsProvider`, all pushes handed over at once (`Promise.all`): its
 *   own queue keeps `window` streams in flight (the peer announces SETTINGS_MAX_CONCURRENT_STREAMS
 *   = window).
 * Then a loss check: every push of `BENCH_APNS_N` in ONE call, node-apn's `send(note, tokens)`
 * next to the adapter's `Promise.all`; a run counts only the pushes the peer answered 200.
 *
 * The peer runs in a child process (its checks on another core). `npx tsx --expose-gc
 * bench/apns.ts`, or `npm run bench -- apns`. Variables: `BENCH_APNS_N` (20,000 pushes per run),
 * `BENCH_APNS_WINDOW` (1,000 in flight), `BENCH_REPS` (3 runs each, interleaved; medians).
 */
import { sign, createPrivateKey } from 'node:crypto'
import { connect } from 'node:http2'
import type { ClientHttp2Session, Settings } from 'node:http2'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { AppId, ProviderReply } from 'push-registry'
import { createApnsProvider } from 'push-registry/apns'
import type { ApnsPeerProcessMessage, ApnsPeerProcessRequest } from '../test/peers/apns/peer-process.js'
import type { PeerCredentials } from '../test/peers/apns/start-apns-peer.js'
import { median } from './measure.js'
import { forkPeerProcess, runWindow } from './peer-process.js'
import { num, printTable, ratio, verdict } from './table.js'

type NodeApn = typeof import('@parse/node-apn')

const envCount = (name: string, fallback: number): number => {
  const raw = process.env[name]
  const value = raw === undefined ? fallback : Number(raw.replace(/_/g, ''))
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer (got ${raw})`)
  return value
}

const appId = 'ios' as AppId
const topic = 'com.example.charlie'
const payload = { aps: { alert: { title: 'Nouveau message', body: 'Kim vous a écrit: « on se voit à 18 h ? »' }, sound: 'default' } }
const goals = { raw: 0.9, nodeApn: 1.2 }

/** What the peer process announces once listening: its origin, CA and signing credentials. */
type Ready = Extract<ApnsPeerProcessMessage, { readonly type: 'ready' }>

/** One measured run: how long, and how many pushes the peer answered 200. */
interface Run {
  readonly ms: number
  readonly delivered: number
}

const timed = async (run: () => Promise<number>): Promise<Run> => {
  globalThis.gc?.()
  const start = performance.now()
  const delivered = await run()
  return { ms: performance.now() - start, delivered }
}

const providerToken = (credentials: PeerCredentials): string => {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const head = `${part({ alg: 'ES256', kid: credentials.keyId })}.${part({ iss: credentials.teamId, iat: Math.floor(Date.now() / 1000) })}`
  const signature = sign('sha256', Buffer.from(head), { key: createPrivateKey(credentials.privateKey), dsaEncoding: 'ieee-p1363' })
  return `${head}.${signature.toString('base64url')}`
}

/** The ceiling: bare `node:http2`, one session, `window` streams in flight. */
const rawLoop = async (ready: Ready, tokens: readonly string[], window: number): Promise<number> => {
  const session: ClientHttp2Session = connect(ready.origin, { ca: ready.ca, maxSessionMemory: 64 })
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', (_: Settings) => resolve())
    session.once('error', reject)
  })
  const authorization = `bearer ${providerToken(ready.credentials)}`
  const body = Buffer.from(JSON.stringify(payload))
  let delivered = 0
  await runWindow(tokens.length, window, (i) =>
    new Promise<void>((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': `/3/device/${tokens[i] as string}`,
        authorization,
        'apns-topic': topic,
        'apns-push-type': 'alert',
        'apns-priority': '10',
        'content-type': 'application/json',
      })
      stream.on('response', (headers) => {
        if (headers[':status'] === 200) delivered += 1
      })
      stream.on('data', () => {})
      stream.on('error', () => {})
      stream.on('close', () => resolve())
      stream.end(body)
    }),
  )
  await new Promise<void>((resolve) => session.close(() => resolve()))
  return delivered
}

const adapterAll = async (ready: Ready, tokens: readonly string[], window: number): Promise<number> => {
  const provider = createApnsProvider({ ...ready.credentials, topic, endpoints: { production: ready.origin }, tls: { ca: ready.ca }, maxConcurrentStreams: window })
  try {
    const replies: ProviderReply[] = await Promise.all(tokens.map((token) => provider.send({ appId, token, kind: 'alert', payload, environment: 'production' })))
    return replies.filter((reply) => reply.status === 200).length
  } finally {
    await provider.close()
  }
}

const nodeApnProvider = (apn: NodeApn, ready: Ready): InstanceType<NodeApn['Provider']> =>
  new apn.Provider({
    token: { key: ready.credentials.privateKey, keyId: ready.credentials.keyId, teamId: ready.credentials.teamId },
    address: new URL(ready.origin).hostname,
    port: Number(new URL(ready.origin).port),
    ca: [ready.ca],
    production: false,
  })

const nodeApnNote = (apn: NodeApn): InstanceType<NodeApn['Notification']> => {
  const note = new apn.Notification()
  note.topic = topic
  note.pushType = 'alert'
  note.priority = 10
  note.rawPayload = payload
  return note
}

const nodeApnWindowed = async (apn: NodeApn, ready: Ready, tokens: readonly string[], window: number): Promise<number> => {
  const provider = nodeApnProvider(apn, ready)
  const note = nodeApnNote(apn)
  let delivered = 0
  try {
    await runWindow(tokens.length, window, async (i) => {
      const result = await provider.send(note, tokens[i] as string)
      delivered += result.sent.length
    })
  } finally {
    await provider.shutdown()
  }
  return delivered
}

const nodeApnOneCall = async (apn: NodeApn, ready: Ready, tokens: readonly string[]): Promise<number> => {
  const provider = nodeApnProvider(apn, ready)
  try {
    const result = await provider.send(nodeApnNote(apn), [...tokens])
    return result.sent.length
  } finally {
    await provider.shutdown()
  }
}

/** The APNs suite: prints the throughput table and the one-call loss check. */
export async function benchApns(): Promise<void> {
  const count = envCount('BENCH_APNS_N', 20_000)
  const window = envCount('BENCH_APNS_WINDOW', 1000)
  const reps = envCount('BENCH_REPS', 3)
  const apn = createRequire(import.meta.url)('@parse/node-apn') as NodeApn
  const tokens = Array.from({ length: count }, (_, i) => (i * 2654435761).toString(16).padStart(64, '0'))
  const peer = await forkPeerProcess<ApnsPeerProcessMessage, ApnsPeerProcessRequest>(
    fileURLToPath(new URL('../test/peers/apns/peer-process.ts', import.meta.url)),
    'APNs',
    { ...process.env, APNS_PEER_MAX_STREAMS: String(window) },
  )
  const { ready } = peer
  try {
    const runners = {
      raw: () => rawLoop(ready, tokens, window),
      adapter: () => adapterAll(ready, tokens, window),
      nodeApn: () => nodeApnWindowed(apn, ready, tokens, window),
    }
    // Warm-up: compile every path once before anything is timed.
    const warm = tokens.slice(0, Math.min(2000, count))
    await rawLoop(ready, warm, window)
    await adapterAll(ready, warm, window)
    await nodeApnWindowed(apn, ready, warm, window)

    const runs: Record<keyof typeof runners, Run[]> = { raw: [], adapter: [], nodeApn: [] }
    const names = Object.keys(runners) as (keyof typeof runners)[]
    for (let rep = 0; rep < reps; rep++) {
      // The order rotates, so that no runner always follows the same one's garbage and heat.
      for (let k = 0; k < names.length; k++) {
        const name = names[(rep + k) % names.length] as keyof typeof runners
        runs[name].push(await timed(runners[name]))
      }
    }
    const oneCall = {
      adapter: await timed(() => adapterAll(ready, tokens, window)),
      nodeApn: await timed(() => nodeApnOneCall(apn, ready, tokens)),
    }
    const { stats } = await peer.ask({ type: 'stats' }, 'stats')

    const rate = (list: readonly Run[]): number => (count / median(list.map((r) => r.ms))) * 1000
    const complete = (list: readonly Run[]): string => (list.every((r) => r.delivered === count) ? 'all' : `${num(Math.min(...list.map((r) => r.delivered)))} min`)
    const raw = rate(runs.raw)
    const adapter = rate(runs.adapter)
    const nodeApn = rate(runs.nodeApn)
    const spread = (list: readonly Run[]): string => `${num(Math.min(...list.map((r) => r.ms)))}–${num(Math.max(...list.map((r) => r.ms)))}`
    printTable(
      `APNs: ${num(count)} alerts to the loopback APNs peer (child process), ${num(window)} streams in flight, median of ${reps}`,
      ['measure', 'pushes/s', 'ms (min–max)', 'answered 200', 'vs raw', 'vs node-apn', 'goal', ''],
      [
        ['push-registry/apns, one Promise.all', num(adapter), spread(runs.adapter), complete(runs.adapter), ratio(adapter / raw), ratio(adapter / nodeApn), `≥ ${goals.raw}× raw, ≥ ${goals.nodeApn}× node-apn`, verdict(adapter / raw >= goals.raw && adapter / nodeApn >= goals.nodeApn)],
        ['raw node:http2 loop (ceiling)', num(raw), spread(runs.raw), complete(runs.raw), ratio(1), ratio(raw / nodeApn), '', ''],
        ['@parse/node-apn, send per push', num(nodeApn), spread(runs.nodeApn), complete(runs.nodeApn), ratio(nodeApn / raw), ratio(1), '', ''],
      ],
    )
    printTable(
      `APNs loss check: ${num(count)} alerts in ONE call (defaults otherwise)`,
      ['measure', 'answered 200', 'lost', 'ms', 'goal', ''],
      [
        ['push-registry/apns, Promise.all of sends', num(oneCall.adapter.delivered), num(count - oneCall.adapter.delivered), num(oneCall.adapter.ms), 'no loss', verdict(oneCall.adapter.delivered === count)],
        ['@parse/node-apn, send(note, all tokens)', num(oneCall.nodeApn.delivered), num(count - oneCall.nodeApn.delivered), num(oneCall.nodeApn.ms), '', ''],
      ],
    )
    console.log(`  peer: ${num(stats.requests)} streams, ${num(stats.answered)} answered, ${stats.sessions} connections, max ${num(stats.maxConcurrent)} streams in flight on one`)
  } finally {
    await peer.close({ type: 'close' })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await benchApns()
