import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { UiOptions } from 'push-registry/http'
import { createSignInLimiter } from '../../src/http/ui/sign-in-limiter.js'
import { csrfIn, operator, operatorSecret, storySetup, uiOptions } from './support.js'

const origin = 'http://registry.test'

/**
 * A sign-in form fetched once, then posted as often as asked (as the attacker of issue 10 did,
 * reusing one nonce), from the address named by the test header `x-client`.
 */
const attempts = async (fetch: (request: Request) => Promise<Response>, from = '203.0.113.1') => {
  const form = await fetch(new Request(`${origin}/ui/sign-in`, { headers: { 'x-client': from } }))
  const nonce = (form.headers.getSetCookie()[0] ?? '').split(';')[0] as string
  const csrf = csrfIn(await form.text())
  return async (name: string, secret: string, address = from): Promise<Response> =>
    fetch(
      new Request(`${origin}/ui/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonce, 'x-client': address },
        body: new URLSearchParams({ csrf, operator: name, secret }).toString(),
      }),
    )
}

const limited: UiOptions = { ...uiOptions, clientAddress: (request) => request.headers.get('x-client') ?? undefined }

describe('the sign-in limit (growing lock-outs per operator and per client address)', () => {
  it('sign-in limit: after 500 wrong secrets the right one does not sign in; only 6 secrets were checked before the lock-out', async () => {
    const { handler } = await storySetup({ ui: limited })
    const post = await attempts(handler.fetch)
    const statuses: number[] = []
    for (let i = 0; i < 500; i++) statuses.push((await post(operator, `wrong secret number ${i}`)).status)
    // 5 free failures, then the 6th locks: the rest are refused unchecked.
    expect(statuses.filter((s) => s === 401)).toHaveLength(6)
    expect(statuses.filter((s) => s === 429)).toHaveLength(494)
    const right = await post(operator, operatorSecret)
    expect(right.status).toBe(429)
    expect(right.headers.getSetCookie().some((c) => c.startsWith('push_registry_ui='))).toBe(false)
    expect(await right.text()).toMatch(/Too many failed sign-ins/)
  })

  it('sign-in limit: lock-outs double from 1 s with each failure past the free ones, end by the clock, and a success forgets them', async () => {
    const { handler, clock } = await storySetup({ ui: limited })
    const post = await attempts(handler.fetch)
    for (let i = 0; i < 5; i++) expect((await post(operator, 'wrong secret, again')).status).toBe(401)
    const lock = async (): Promise<number> => {
      const refused = await post(operator, operatorSecret)
      expect(refused.status).toBe(429)
      return Number(refused.headers.get('retry-after'))
    }
    // The 6th failure locks for 1 s, the 7th for 2 s, the 8th for 4 s.
    expect((await post(operator, 'wrong secret, again')).status).toBe(401)
    for (const seconds of [1, 2, 4]) {
      expect(await lock()).toBe(seconds)
      clock.advance(seconds * 1000 - 1)
      expect(await lock()).toBe(1)
      clock.advance(1)
      if (seconds < 4) expect((await post(operator, 'wrong secret, again')).status).toBe(401)
    }
    expect((await post(operator, operatorSecret)).status).toBe(303)
    // Forgotten: five free failures again.
    for (let i = 0; i < 5; i++) expect((await post(operator, 'wrong secret, again')).status).toBe(401)
    expect((await post(operator, operatorSecret)).status).toBe(303)
  })

  it('sign-in limit: lock-outs stop at maxLockMs, and a key quiet for twice that long is forgotten', () => {
    const limiter = createSignInLimiter({ freeFailures: 1, firstLockMs: 1000, maxLockMs: 5000 }, () => false)
    let now = 0
    const locks: number[] = []
    for (let i = 0; i < 8; i++) {
      expect(limiter.admit(['k'], now)).toEqual({ admitted: true })
      limiter.failed(['k'], now)
      const admission = limiter.admit(['k'], now)
      locks.push(admission.admitted ? 0 : admission.retryAfterMs)
      now += 5000
    }
    expect(locks).toEqual([0, 1000, 2000, 4000, 5000, 5000, 5000, 5000])
    now += 10_001
    limiter.failed(['k'], now)
    expect(limiter.admit(['k'], now)).toEqual({ admitted: true })
  })

  it('sign-in limit: one operator guessed from many addresses is locked everywhere; other operators and addresses are not', async () => {
    const { handler } = await storySetup({ ui: limited })
    const post = await attempts(handler.fetch)
    for (let i = 0; i < 6; i++) expect((await post(operator, 'wrong secret, again', `198.51.100.${i}`)).status).toBe(401)
    expect((await post(operator, operatorSecret, '192.0.2.77')).status).toBe(429)
    expect((await post('bob', 'another-long-operator-secret', '192.0.2.77')).status).toBe(303)
  })

  it('sign-in limit: one address guessing many names is locked for every name, a configured one or not', async () => {
    const { handler } = await storySetup({ ui: limited })
    const post = await attempts(handler.fetch)
    for (let i = 0; i < 6; i++) expect((await post(`guess-${i}`, 'wrong secret, again')).status).toBe(401)
    expect((await post('bob', 'another-long-operator-secret')).status).toBe(429)
    expect((await post('bob', 'another-long-operator-secret', '192.0.2.77')).status).toBe(303)
  })

  it('S2: refused sign-ins are logged with the operator (when configured) and the address, never the secret or an unknown name', async () => {
    const { handler, lines } = await storySetup({ ui: limited })
    const post = await attempts(handler.fetch)
    await post('maybe-a-secret-typed-as-name', 'first-wrong-secret')
    for (let i = 0; i < 7; i++) await post(operator, `wrong-secret-${i}`)
    const refused = lines.filter((line) => line.startsWith('ui sign-in refused'))
    // The address counts every name's failures, so ana's 5th failure is the address's 6th.
    expect(refused).toEqual([
      'ui sign-in refused: operator (not configured) from 203.0.113.1: unknown operator or wrong secret, failure 1',
      ...[2, 3, 4, 5, 6].map((n) => `ui sign-in refused: operator ana from 203.0.113.1: unknown operator or wrong secret, failure ${n}`),
      'ui sign-in refused: operator ana from 203.0.113.1: locked out for 1 s',
      'ui sign-in refused: operator ana from 203.0.113.1: locked out for 1 s',
    ])
    const all = lines.join('\n')
    for (const secret of ['first-wrong-secret', 'wrong-secret-', 'maybe-a-secret-typed-as-name']) expect(all).not.toContain(secret)
  })

  it('sign-in limit: on node:http the client address is the socket peer', async () => {
    const { handler, lines } = await storySetup()
    const server = createServer(handler.node)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
      const post = await attempts((request) => fetch(new URL(new URL(request.url).pathname, base), { method: request.method, headers: request.headers, body: request.body, duplex: 'half', redirect: 'manual' } as RequestInit))
      for (let i = 0; i < 6; i++) await post(`guess-${i}`, 'wrong secret, again')
      expect((await post(operator, operatorSecret)).status).toBe(429)
      expect(lines.filter((line) => line.startsWith('ui sign-in refused')).at(-1)).toBe('ui sign-in refused: operator ana from 127.0.0.1: locked out for 1 s')
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
