import { describe, expect, it } from 'vitest'
import { ambiguousKeptPerDispatch } from '../../src/domain/dispatch-verdict.js'
import { answer, apns, fcm, h, permutations, registrationOf, session, setup, targetTokens } from './harness.js'

/**
 * R18 at ingest: a host that sends pushes itself feeds the answers back as `provider_answer`
 * inputs, and the registry must reach the dispatcher's verdict on them, whatever their order.
 */

const A = apns('a1')
const B = apns('b2')
const C = apns('c3')

const badDeviceToken = (o: { at: string; token: string; dispatch?: string }) => answer({ ...o, status: 400, reason: 'BadDeviceToken' })
const delivered = (o: { at: string; token: string; dispatch?: string }) => answer({ ...o, status: 200 })
const unregistered = (o: { at: string; token: string; dispatch?: string }) => answer({ ...o, status: 410, reason: 'Unregistered' })

const sessions = (...tokens: string[]) => tokens.map((token, i) => session({ at: h(1), device: `d${i + 1}`, user: `u${i + 1}`, token }))

/** Every arrival order of the answers, fed after the sessions and before them. */
const orders = (answers: readonly unknown[], tokens: readonly string[]): unknown[][] =>
  permutations(answers).flatMap((order) => [
    [...sessions(...tokens), ...order],
    [...order, ...sessions(...tokens)],
  ])

const statuses = async (registry: ReturnType<typeof setup>['registry'], count: number) => {
  const out: string[] = []
  for (let i = 1; i <= count; i++) out.push((await registrationOf(registry, 'ios', `d${i}`)).status)
  return out
}

describe('credential failures alike, at ingest (R18)', () => {
  it('R18: every token of a dispatch answering BadDeviceToken, none delivered, is a credentials failure: all stay active and targets, in any order', async () => {
    const answers = [badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }), badDeviceToken({ at: h(2), token: B, dispatch: 'x1' }), badDeviceToken({ at: h(2), token: C, dispatch: 'x1' })]
    for (const order of orders(answers, [A, B, C])) {
      const { registry, feed } = setup()
      await feed(...order)
      expect(await statuses(registry, 3)).toEqual(['active', 'active', 'active'])
      expect((await targetTokens(registry, 'ios')).sort()).toEqual([A, B, C])
    }
  })

  it('R18, D6: the same dispatch with one delivery confirms the ambiguous answers: those tokens die, in any order', async () => {
    const answers = [badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }), badDeviceToken({ at: h(2), token: B, dispatch: 'x1' }), delivered({ at: h(2), token: C, dispatch: 'x1' })]
    for (const order of orders(answers, [A, B, C])) {
      const { registry, feed } = setup()
      await feed(...order)
      expect(await statuses(registry, 3)).toEqual(['ended', 'ended', 'active'])
      expect(await targetTokens(registry, 'ios')).toEqual([C])
    }
  })

  it('R18: a dead answer in the dispatch shows the credential works: its ambiguous answers quarantine, in any order', async () => {
    const answers = [badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }), badDeviceToken({ at: h(2), token: B, dispatch: 'x1' }), unregistered({ at: h(2), token: C, dispatch: 'x1' })]
    for (const order of orders(answers, [A, B, C])) {
      const { registry, feed } = setup()
      await feed(...order)
      expect(await statuses(registry, 3)).toEqual(['suspect', 'suspect', 'ended'])
    }
  })

  it('R18: a single ambiguous answer alone quarantines (one token is as likely its own fault)', async () => {
    const { registry, feed } = setup()
    await feed(...sessions(A, B), badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }))
    expect(await statuses(registry, 2)).toEqual(['suspect', 'active'])
  })

  it('R18: the alike rule counts tokens, not answers: one token answered twice in a dispatch is suspect', async () => {
    const { registry, feed } = setup()
    await feed(...sessions(A), badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }), badDeviceToken({ at: h(3), token: A, dispatch: 'x1' }))
    expect(await statuses(registry, 1)).toEqual(['suspect'])
  })

  it('R18: dispatches are per app: ambiguous answers of one dispatch id in two apps do not add up', async () => {
    const { registry, feed } = setup()
    await feed(
      ...sessions(A),
      session({ at: h(1), app: 'android', device: 'a1', token: fcm('f'), os: '14' }),
      badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }),
      answer({ at: h(2), app: 'android', token: fcm('f'), provider: 'fcm', status: 403, reason: 'SENDER_ID_MISMATCH', dispatch: 'x1' }),
    )
    expect(await statuses(registry, 1)).toEqual(['suspect'])
    expect((await registrationOf(registry, 'android', 'a1')).status).toBe('suspect')
  })

  it('R18: ambiguousAlikeThreshold is a policy per app: at 3, two ambiguous answers quarantine and a third clears them, in any order', async () => {
    const two = [badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }), badDeviceToken({ at: h(2), token: B, dispatch: 'x1' })]
    for (const order of orders(two, [A, B])) {
      const { registry, feed } = setup({ policy: { ios: { ambiguousAlikeThreshold: 3 } } })
      await feed(...order)
      expect(await statuses(registry, 2)).toEqual(['suspect', 'suspect'])
    }
    const three = [...two, badDeviceToken({ at: h(2), token: C, dispatch: 'x1' })]
    for (const order of orders(three, [A, B, C])) {
      const { registry, feed } = setup({ policy: { ios: { ambiguousAlikeThreshold: 3 } } })
      await feed(...order)
      expect(await statuses(registry, 3)).toEqual(['active', 'active', 'active'])
    }
  })

  it('R18: ambiguousAlikeThreshold null turns the count rule off: every ambiguous answer quarantines', async () => {
    const { registry, feed } = setup({ policy: { ios: { ambiguousAlikeThreshold: null } } })
    await feed(...sessions(A, B, C), ...[A, B, C].map((token) => badDeviceToken({ at: h(2), token, dispatch: 'x1' })))
    expect(await statuses(registry, 3)).toEqual(['suspect', 'suspect', 'suspect'])
  })

  it('R18, D6: an alike dispatch is not a confirmation in later dispatches either: the tokens need suspectConfirmations dispatches of their own', async () => {
    const { registry, feed } = setup()
    await feed(
      ...sessions(A, B),
      // x1 failed alike (no evidence); x2 and x3 each hold one ambiguous answer of A.
      badDeviceToken({ at: h(2), token: A, dispatch: 'x1' }),
      badDeviceToken({ at: h(2), token: B, dispatch: 'x1' }),
      badDeviceToken({ at: h(3), token: A, dispatch: 'x2' }),
      badDeviceToken({ at: h(4), token: A, dispatch: 'x3' }),
    )
    expect(await statuses(registry, 2)).toEqual(['suspect', 'active'])
  })

  it('R18, D6, D14: a dispatch names at most ambiguousKeptPerDispatch ambiguous tokens; with a delivery those die, any beyond are no evidence and stay targets', async () => {
    const hex = (i: number) => i.toString(16).padStart(64, '0')
    const tokens = Array.from({ length: ambiguousKeptPerDispatch + 1 }, (_, i) => hex(i + 1))
    const beyond = tokens[tokens.length - 1] as string
    const { registry, feed } = setup()
    await feed(
      ...tokens.map((token, i) => session({ at: h(1), device: `d${i}`, token })),
      ...tokens.map((token) => badDeviceToken({ at: h(2), token, dispatch: 'x1' })),
    )
    // Failed alike: nobody is quarantined, however many answered.
    expect((await targetTokens(registry, 'ios')).length).toBe(tokens.length)
    await feed(session({ at: h(1), device: 'ok', token: hex(0xffff) }), delivered({ at: h(2), token: hex(0xffff), dispatch: 'x1' }))
    expect((await targetTokens(registry, 'ios')).sort()).toEqual([beyond, hex(0xffff)].sort())
  })
})
