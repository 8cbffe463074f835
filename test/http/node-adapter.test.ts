import { collect } from 'push-registry'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { createServer } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { profileToJson } from 'push-registry'
import { apnsToken, bothKey, fcmToken, session, setup } from './support.js'
import type { Setup } from './support.js'

const servers: Server[] = []

const serve = async (s: Setup): Promise<string> => {
  const server = createServer(s.handler.node)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
})

const auth = { authorization: `Bearer ${bothKey}`, 'content-type': 'application/json' }

describe('the node:http adapter', () => {
  it('serves the same routes as fetch: ingest, then profile', async () => {
    const s = setup()
    const base = await serve(s)
    const posted = await fetch(`${base}/v1/inputs`, { method: 'POST', headers: auth, body: JSON.stringify([session('ios', 'd1', 'kim', apnsToken('a'))]) })
    expect(posted.status).toBe(200)
    expect(await posted.json()).toEqual({ accepted: 1, rejected: [], late: 0 })
    const profile = await fetch(`${base}/v1/users/kim/profile`, { headers: auth })
    expect(profile.status).toBe(200)
    expect(await profile.json()).toEqual(profileToJson((await s.registry.profile('kim'))!))
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })

  it('S3: a body over the limit is a 413 and is not applied', async () => {
    const s = setup({ limits: { maxBodyBytes: 1024 } })
    const base = await serve(s)
    const big = Array.from({ length: 40 }, (_, i) => session('ios', `d${i}`, 'kim', apnsToken('a')))
    const response = await fetch(`${base}/v1/inputs`, { method: 'POST', headers: auth, body: JSON.stringify(big) })
    expect(response.status).toBe(413)
    expect(await response.json()).toMatchObject({ error: { path: 'body', rule: 'S3' } })
    expect(await collect(s.registry.registrations())).toEqual([])
    expect(s.lines).toEqual([expect.stringMatching(/^POST \(body\) 413 \d+ms$/)])
  })

  it('S3: a chunked body over the limit is a 413 too', async () => {
    const s = setup({ limits: { maxBodyBytes: 1024 } })
    const base = await serve(s)
    const chunk = new TextEncoder().encode(`[${'0,'.repeat(400)}`)
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        controller.enqueue(chunk)
        controller.enqueue(chunk)
        controller.close()
      },
    })
    const response = await fetch(`${base}/v1/inputs`, { method: 'POST', headers: auth, body, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(413)
  })

  it('R26: streams a segment export as NDJSON, one user per line', async () => {
    const s = setup()
    const users = Array.from({ length: 150 }, (_, i) => `user-${String(i).padStart(3, '0')}`)
    await s.registry.ingest(users.map((u, i) => session('android', `p${i}`, u, fcmToken(String(i)))))
    const base = await serve(s)
    const response = await fetch(`${base}/v1/users/export/segment`, { method: 'POST', headers: auth, body: JSON.stringify({ segment: 'foregroundPushEnabledForApp:android' }) })
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/x-ndjson')
    expect(response.headers.get('transfer-encoding')).toBe('chunked')
    const lines = (await response.text()).split('\n').filter((l) => l !== '')
    const exported = lines.map((l) => JSON.parse(l) as { external_id: string })
    expect(exported.map((e) => e.external_id).sort()).toEqual(users)
    expect(exported).toEqual(await s.registry.exportUsers(exported.map((e) => e.external_id)))
  })
})
