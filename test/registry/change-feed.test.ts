import type { RegistryChange, StoragePort } from 'push-registry'
import { createRegistry } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { allApps, answer, apns, d, day, h, login, prompt, session, setup, subscriptionSet, testClock } from './harness.js'

const A = apns('a1')
const B = apns('b2')

const all = async (iterable: AsyncIterable<RegistryChange>): Promise<RegistryChange[]> => {
  const out: RegistryChange[] = []
  for await (const change of iterable) out.push(change)
  return out
}

const names = (changes: readonly RegistryChange[]): string[] => changes.map((c) => c.name)

describe('the durable change feed (issue 12 item 4)', () => {
  it('R9: every change of state is in the feed, in commit order, and on() hears the same data', async () => {
    const { registry, feed } = setup()
    const heard: { name: string; payload: unknown }[] = []
    for (const name of ['token.registered', 'token.rotated', 'token.transferred', 'token.invalidated', 'subscription.changed', 'optin.changed'] as const) {
      registry.on(name, (payload) => heard.push({ name, payload }))
    }
    await feed(session({ at: h(1), device: 'd1', user: 'kim', token: A, permission: 'not_determined' }))
    await feed(session({ at: h(2), device: 'd1', token: A, permission: 'granted' }))
    await feed(session({ at: h(3), device: 'd1', token: B }))
    await feed(login({ at: h(4), device: 'd1', user: 'léa' }))
    await feed(subscriptionSet({ at: h(5), user: 'léa', state: 'unsubscribed' }))
    await feed(answer({ at: h(6), token: B, status: 410, reason: 'Unregistered' }))
    const changes = await all(registry.changes())
    expect(names(changes)).toEqual([
      'token.registered',
      'token.capability_changed',
      'optin.changed',
      // D3: the opt-in makes kim opted_in (R12).
      'subscription.changed',
      'token.rotated',
      'token.transferred',
      'subscription.changed',
      'token.invalidated',
    ])
    expect(changes.map(({ name, payload }) => ({ name, payload })).filter((c) => c.name !== 'token.capability_changed')).toEqual(heard)
    expect(changes.find((c) => c.name === 'optin.changed')?.payload).toEqual({ appId: 'ios', deviceId: 'd1', userId: 'kim', at: Date.parse(h(2)) })
  })

  it('S2: feed entries carry redacted tokens, never the raw ones', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'kim', token: A }))
    await feed(session({ at: h(2), device: 'd1', token: B }))
    const text = JSON.stringify(await all(registry.changes()))
    expect(text).not.toContain(A)
    expect(text).not.toContain(B)
    expect(text).toContain('a1a1a1…a1a1')
  })

  it('resumes after any cursor with exactly the changes that followed it', async () => {
    const { registry, feed } = setup()
    for (let i = 0; i < 7; i++) await feed(session({ at: h(i + 1), device: `d${i}`, user: `u${i}`, token: apns(`${i}c`) }))
    const changes = await all(registry.changes({ pageSize: 2 }))
    expect(changes).toHaveLength(7)
    for (const [i, change] of changes.entries()) {
      expect(await all(registry.changes({ after: change.cursor, pageSize: 3 }))).toEqual(changes.slice(i + 1))
    }
  })

  it('a change is in the feed once its commit is: a commit whose answer was lost still announces, to every instance', async () => {
    const store = createMemoryStorage()
    let lose = true
    // The commit applies, then the process "crashes" before hearing back (the answer is lost).
    const crashing: StoragePort = {
      ...store,
      commit: async (writes, options) => {
        const outcome = await store.commit(writes, options)
        if (lose) throw new Error('connection reset after commit')
        return outcome
      },
    }
    const first = createRegistry({ apps: allApps as never, storage: crashing })
    const heard: unknown[] = []
    first.on('token.registered', (payload) => heard.push(payload))
    await expect(first.ingest(session({ at: h(1), device: 'd1', user: 'kim', token: A }))).rejects.toThrow(/commit/)
    expect(heard, 'the in-process event was never emitted').toEqual([])
    lose = false
    const second = createRegistry({ apps: allApps as never, storage: store })
    expect(names(await all(second.changes()))).toEqual(['token.registered'])
    // Retrying the input on the other instance changes nothing more (I9): no second entry.
    await second.ingest(session({ at: h(1), device: 'd1', user: 'kim', token: A }))
    expect(names(await all(second.changes()))).toEqual(['token.registered'])
  })

  it('a conflicting commit puts nothing in the feed: two instances racing leave each change once', async () => {
    const store = createMemoryStorage()
    const one = createRegistry({ apps: allApps as never, storage: store })
    const two = createRegistry({ apps: allApps as never, storage: store })
    const inputs = Array.from({ length: 40 }, (_, i) => session({ at: h(1 + (i % 5)), device: `d${i % 8}`, user: `u${i % 3}`, token: apns(`${i % 8}e`) }))
    await Promise.all([one.ingest(inputs.slice(0, 20)), two.ingest(inputs.slice(20)), ...inputs.map((input) => one.ingest(input))])
    const sequential = createRegistry({ apps: allApps as never, storage: createMemoryStorage() })
    await sequential.ingest(inputs)
    const registered = (changes: RegistryChange[]) => changes.filter((c) => c.name === 'token.registered').length
    expect(registered(await all(one.changes()))).toBe(registered(await all(sequential.changes())))
  })

  it('follow: a reader waits for new changes, hears this instance commit at once, and ends when aborted', async () => {
    const { registry, feed } = setup()
    await feed(session({ at: h(1), device: 'd1', user: 'kim', token: A }))
    const controller = new AbortController()
    const seen: RegistryChange[] = []
    const reader = (async () => {
      for await (const change of registry.changes({ follow: true, signal: controller.signal, pollInterval: 60_000 })) {
        seen.push(change)
        if (seen.length === 2) controller.abort()
      }
    })()
    await feed(prompt({ at: h(2), device: 'd1', result: 'denied' }), session({ at: h(3), device: 'd2', user: 'léa', token: B }))
    await reader
    expect(names(seen)).toEqual(['token.registered', 'token.registered'])
    // The poll interval is a minute: only the commit's own wake-up lets this end in time.
  }, 10_000)

  it('D14: retention prunes changes older than changeRetention, on demand and on its own', async () => {
    const clock = testClock(d(1))
    const registry = createRegistry({ apps: allApps as never, storage: createMemoryStorage(), clock, changeRetention: '2d' })
    await registry.ingest(session({ at: h(1), device: 'd1', user: 'kim', token: A }))
    clock.set(d(2))
    await registry.ingest(session({ at: h(2), device: 'd2', user: 'léa', token: B }))
    expect(await registry.pruneChanges()).toEqual({ pruned: 0 })
    clock.set(d(4))
    // This commit's own tick prunes in the background: the change of day 1 is older than 2 days.
    await registry.ingest(subscriptionSet({ at: h(3), user: 'kim', state: 'unsubscribed' }))
    await registry.close()
    const left = await all(registry.changes())
    expect(left.map((c) => c.at)).toEqual([Date.parse(d(2)), Date.parse(d(4))])
    expect(await registry.pruneChanges({ before: Date.parse(d(4)) + day })).toEqual({ pruned: 2 })
  })

  it('D14: a retention that is not a duration is a configuration error naming the option', () => {
    expect(() => createRegistry({ apps: allApps as never, storage: createMemoryStorage(), changeRetention: 'soon' })).toThrow(/changeRetention/)
  })
})
