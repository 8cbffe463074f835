import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { apns, countingStore, h, login, session, setup } from './harness.js'

/** Calls made by one `ingest` of `input` once `before` is in the store, on a registry with a cold cache. */
const callsFor = async (before: readonly unknown[], input: unknown) => {
  const memory = createMemoryStorage()
  if (before.length > 0) await setup({ storage: memory }).feed(...before)
  const { store, take } = countingStore(memory)
  const { feed } = setup({ storage: store })
  await feed(input)
  return take()
}

// Issue 13: a single input is one round trip where it can be. The input names what it needs
// (its device, its token, its user): the first read asks for all of it, the user's records too
// while it is unknown whether the device knows them.
describe('reads per input, cold (one read, then one commit)', () => {
  const first = session({ at: h(1), device: 'phone-1', user: 'kim', token: apns('a1') })

  it('R1, D2: a new device naming a new user', async () => {
    expect(await callsFor([], first)).toEqual({ reads: 1, commits: 1 })
  })
  it('R1: a known device\'s repeat session', async () => {
    expect(await callsFor([first], session({ at: h(2), device: 'phone-1', user: 'kim', token: apns('a1') }))).toEqual({ reads: 1, commits: 1 })
  })
  it('R1, R9: a token rotation on a known device', async () => {
    expect(await callsFor([first], session({ at: h(2), device: 'phone-1', user: 'kim', token: apns('b2') }))).toEqual({ reads: 1, commits: 1 })
  })
  // The login reports no token: the record of the device's current token, which its view is
  // folded with, is named by the registration alone, so it is read once the registration is.
  it('D2, R12: a login of another user on a shared device: two reads, the second the token only its registration names', async () => {
    expect(await callsFor([first], login({ at: h(2), device: 'phone-1', user: 'lou' }))).toEqual({ reads: 2, commits: 1 })
  })
  it('D2: a known user on a new device', async () => {
    expect(await callsFor([first], session({ at: h(2), device: 'phone-2', user: 'kim', token: apns('c3') }))).toEqual({ reads: 1, commits: 1 })
  })
})
