import { createMemoryStorage } from 'push-registry/memory'
import { describe, expect, it } from 'vitest'
import { invalidationsBetween } from '../../src/testing/no-invalidation.js'
import { takeSnapshot } from '../../src/testing/snapshot.js'
import { kitHexTokens, kitRegistry } from '../../src/testing/universe.js'

const session = { type: 'session_started', appId: 'ios', at: '2026-01-02T00:00:00.000Z', deviceId: 'phone-1', token: kitHexTokens[0], permission: 'granted', apnsEnvironment: 'production' }
const ambiguous = { type: 'provider_answer', appId: 'ios', provider: 'apns', at: '2026-01-03T00:00:00.000Z', token: kitHexTokens[0], status: 400, reason: 'BadDeviceToken', dispatchId: 'push-1' }
const dead = { type: 'provider_answer', appId: 'ios', provider: 'apns', at: '2026-01-03T00:00:00.000Z', token: kitHexTokens[0], status: 410, reason: 'ExpiredToken' }

const snapshotAfter = async (inputs: readonly unknown[]) => {
  const registry = kitRegistry(createMemoryStorage())
  expect((await registry.ingest(inputs)).rejected).toEqual([])
  return takeSnapshot(registry)
}

describe('the conformance kit: I10 compares what I10 promises', () => {
  it('R18, I10: a token the answers leave more usable than without them is no invalidation', async () => {
    const quarantined = await snapshotAfter([session, ambiguous])
    const active = await snapshotAfter([session])
    expect(quarantined.registrations.map((r) => r.status)).toEqual(['suspect'])
    expect(invalidationsBetween(quarantined, active)).toEqual([])
  })

  it('I10: a token quarantined or ended by the answers is an invalidation, and so is a lost target', async () => {
    const active = await snapshotAfter([session])
    expect(invalidationsBetween(active, await snapshotAfter([session, ambiguous]))).toEqual([
      'I10: ios/phone-1 is suspect with the answers, active without',
      'I10: alert:ios lost its target ios/phone-1',
      'I10: background:ios lost its target ios/phone-1',
    ])
    expect(invalidationsBetween(await snapshotAfter([session, ambiguous]), await snapshotAfter([session, dead]))).toEqual([
      'I10: ios/phone-1 is ended with the answers, suspect without',
    ])
  })
})
