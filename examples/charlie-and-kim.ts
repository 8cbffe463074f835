/**
 * Charlie and Kim: the story of the push registration reference, told to a registry running on
 * the embedded default (memory storage, a fixed clock). Run it with `npm run example`.
 *
 * Each step ingests what a client SDK or a push provider would report, then prints what the
 * registry now answers: profiles (R25), segments (R21–R23), send targets (R27) and changelogs (R9).
 */
import type { AppId, Registry, RegistryEvents, Segment } from 'push-registry'
import { collect, createRegistry, fixedClock, redact } from 'push-registry'
import { createMemoryStorage } from 'push-registry/memory'

// Segments take a branded `AppId`; plain strings are fine everywhere else.
const ios = 'ios' as AppId
const android = 'android' as AppId
const charliesPhone = 'charlies-iphone'
const charliesPixel = 'charlies-pixel'
// APNs tokens are hex (D13); FCM tokens are opaque strings.
const iphoneToken = 'a1b2c3d4'.repeat(8)
const iphoneTokenAfterReinstall = 'e5f6a7b8'.repeat(8)
const pixelToken = 'fcm-pixel:APA91b' + 'x'.repeat(100)

const registry = createRegistry({
  apps: [
    { appId: ios, name: 'MyApp (iOS)', platform: 'ios' },
    { appId: android, name: 'MyApp (Android)', platform: 'android' },
  ],
  storage: createMemoryStorage(),
  // Queries are answered "now": pinning the clock makes the output the same on every run.
  clock: fixedClock(Date.parse('2026-01-10T00:00:00Z')),
})

// Events are emitted once the store committed their cause; their tokens are already redacted (S2).
const eventNames: (keyof RegistryEvents)[] = [
  'token.registered',
  'token.rotated',
  'token.transferred',
  'token.invalidated',
  'token.quarantined',
  'subscription.changed',
  'input.rejected',
]
for (const name of eventNames) {
  registry.on(name, (payload) => console.log(`  event ${name} ${JSON.stringify(payload)}`))
}

const segments: Segment[] = [
  { kind: 'foregroundPushEnabledForApp', appId: ios },
  { kind: 'foregroundPushEnabledForApp', appId: android },
  { kind: 'foregroundPushEnabled' },
  { kind: 'backgroundOrForegroundPushEnabled' },
]

const segmentName = (segment: Segment): string => ('appId' in segment ? `${segment.kind}:${segment.appId}` : segment.kind)

/** Prints what the registry answers now, the way a support agent would look at it. */
const show = async (registry: Registry): Promise<void> => {
  for (const userId of ['charlie', 'kim']) {
    const profile = await registry.profile(userId)
    if (profile === null) continue
    console.log(`  ${userId} (${profile.subscription})`)
    for (const device of profile.devices) console.log(`    Push Registered For  ${device.pushRegisteredFor}  [${device.deviceId}]`)
    for (const entry of await registry.changelog(userId)) {
      const reason = entry.reason === undefined ? '' : ` (${entry.reason})`
      console.log(`    changelog ${new Date(entry.at).toISOString()} ${entry.kind}${reason} ${redact(entry.token)} ${entry.from ?? '∅'} → ${entry.to ?? '∅'}`)
    }
  }
  for (const segment of segments) console.log(`  segment ${segmentName(segment)}: [${(await collect(registry.segment(segment))).join(', ')}]`)
  for (const appId of [ios, android]) {
    for (const kind of ['alert', 'background'] as const) {
      // A real sender streams targets (`for await`); the example's answer is tiny, so it collects.
      const targets = await collect(registry.targets({ appId, kind }))
      console.log(`  targets ${kind}:${appId}: [${targets.map((t) => `${redact(t.token)} → ${t.owners.join('+') || 'anonymous'}`).join(', ')}]`)
    }
  }
}

/** Ingests one step of the story and prints the registry's answers after it. */
const step = async (title: string, inputs: readonly object[]): Promise<void> => {
  console.log(`\n== ${title}`)
  const report = await registry.ingest(inputs)
  if (report.rejected.length > 0) throw new Error(`unexpected rejection: ${JSON.stringify(report.rejected)}`)
  await show(registry)
}

await step("1. Charlie's iPhone registers (R2, R5)", [
  { type: 'session_started', at: '2026-01-01T09:00:00Z', appId: ios, deviceId: charliesPhone, userId: 'charlie', token: iphoneToken, permission: 'granted', osVersion: '17.4', apnsEnvironment: 'production' },
])

await step("2. Kim logs in on Charlie's iPhone: the token moves to her (R7, R8, R9)", [
  { type: 'user_changed', at: '2026-01-02T18:00:00Z', appId: ios, deviceId: charliesPhone, userId: 'kim' },
])

await step('3. Charlie installs the Android app on an Android 13 phone: background only until he answers the prompt (R5)', [
  { type: 'session_started', at: '2026-01-03T08:00:00Z', appId: android, deviceId: charliesPixel, userId: 'charlie', token: pixelToken, permission: 'not_determined', osVersion: '13' },
])

await step('4. Charlie accepts the prompt: foreground, and opted in (R5, R12)', [
  { type: 'prompt_answered', at: '2026-01-03T08:05:00Z', appId: android, deviceId: charliesPixel, result: 'granted' },
  { type: 'token_reported', at: '2026-01-03T08:05:01Z', appId: android, deviceId: charliesPixel, token: pixelToken, permission: 'granted' },
])

// 1767517200000 is 2026-01-04T09:00:00Z: Apple says the token stopped being valid then, after its
// last registration (step 1), so it is dead. A 410 older than the last session would change nothing.
await step('5. APNs answers 410 Unregistered for the iPhone token, with a timestamp (R16, R17)', [
  { type: 'provider_answer', at: '2026-01-05T10:00:00Z', appId: ios, token: iphoneToken, provider: 'apns', status: 410, reason: 'Unregistered', timestamp: 1767517200000 },
])

await step('6. Kim reinstalls and opens the app on the iPhone: a new token registers (R14)', [
  { type: 'session_started', at: '2026-01-06T12:00:00Z', appId: ios, deviceId: charliesPhone, userId: 'kim', token: iphoneTokenAfterReinstall, permission: 'granted', osVersion: '17.4', apnsEnvironment: 'production' },
])

await step('7. Charlie uninstalls the Android app (R14)', [
  { type: 'uninstalled', at: '2026-01-08T20:00:00Z', appId: android, deviceId: charliesPixel },
])

// R26: the JSON backend teams consume. Charlie has no token left, so his export says when he uninstalled (D10).
console.log('\n== Export (R26)')
console.log(JSON.stringify(await registry.exportUsers(['charlie', 'kim']), null, 2))

console.log('\n== exportSegment(backgroundOrForegroundPushEnabled), streamed')
for await (const user of registry.exportSegment({ kind: 'backgroundOrForegroundPushEnabled' })) {
  console.log(`  ${user.external_id}: ${user.push_tokens.map((t) => `${t.app} ${redact(t.token)}`).join(', ')}`)
}

await registry.close()
