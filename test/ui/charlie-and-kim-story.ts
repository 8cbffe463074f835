/**
 * The Charlie / Kim story of examples/charlie-and-kim.ts as data (the example runs its steps at
 * import, so its inputs cannot be imported), plus contact attributes so that support staff can
 * find Kim by email or phone.
 */
export const storyApps = [
  { appId: 'ios', name: 'MyApp (iOS)', platform: 'ios' },
  { appId: 'android', name: 'MyApp (Android)', platform: 'android' },
] as const

/** The example's clock: queries are answered as of this instant. */
export const storyNow = Date.parse('2026-01-10T00:00:00Z')

export const iphoneToken = 'a1b2c3d4'.repeat(8)
export const iphoneTokenAfterReinstall = 'e5f6a7b8'.repeat(8)
export const pixelToken = `fcm-pixel:APA91b${'x'.repeat(100)}`
/** Every token of the story: none of them may appear whole in any page (S2). */
export const storyTokens = [iphoneToken, iphoneTokenAfterReinstall, pixelToken] as const

export const kimEmail = 'kim@example.com'
export const kimPhone = '+33 6 12 34 56 78'

export const storyInputs: readonly object[] = [
  { type: 'user_attributes', at: '2026-01-01T08:00:00Z', userId: 'charlie', email: 'charlie@example.com' },
  { type: 'user_attributes', at: '2026-01-01T08:00:00Z', userId: 'kim', email: kimEmail, phone: kimPhone },
  // 1. Charlie's iPhone registers.
  { type: 'session_started', at: '2026-01-01T09:00:00Z', appId: 'ios', deviceId: 'charlies-iphone', userId: 'charlie', token: iphoneToken, permission: 'granted', osVersion: '17.4', apnsEnvironment: 'production' },
  // 2. Kim logs in on Charlie's iPhone: the token moves to her.
  { type: 'user_changed', at: '2026-01-02T18:00:00Z', appId: 'ios', deviceId: 'charlies-iphone', userId: 'kim' },
  // 3. Charlie's Android 13 phone: background only until the prompt.
  { type: 'session_started', at: '2026-01-03T08:00:00Z', appId: 'android', deviceId: 'charlies-pixel', userId: 'charlie', token: pixelToken, permission: 'not_determined', osVersion: '13' },
  // 4. Charlie accepts the prompt: foreground, opted in.
  { type: 'prompt_answered', at: '2026-01-03T08:05:00Z', appId: 'android', deviceId: 'charlies-pixel', result: 'granted' },
  { type: 'token_reported', at: '2026-01-03T08:05:01Z', appId: 'android', deviceId: 'charlies-pixel', token: pixelToken, permission: 'granted' },
  // 5. APNs 410 Unregistered, evidence as of 2026-01-04T09:00:00Z, after the last registration.
  { type: 'provider_answer', at: '2026-01-05T10:00:00Z', appId: 'ios', token: iphoneToken, provider: 'apns', status: 410, reason: 'Unregistered', timestamp: 1767517200000 },
  // 6. Kim reinstalls and opens the app on the iPhone: a new token.
  { type: 'session_started', at: '2026-01-06T12:00:00Z', appId: 'ios', deviceId: 'charlies-iphone', userId: 'kim', token: iphoneTokenAfterReinstall, permission: 'granted', osVersion: '17.4', apnsEnvironment: 'production' },
  // 7. Charlie uninstalls the Android app.
  { type: 'uninstalled', at: '2026-01-08T20:00:00Z', appId: 'android', deviceId: 'charlies-pixel' },
]
