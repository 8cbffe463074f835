import { afterEach, describe, expect, it } from 'vitest'
import type { Workspace } from './support.js'
import { apps, workspace } from './support.js'

let ws: Workspace
afterEach(() => ws.dispose())

const bad = async (config: unknown, argv: readonly string[] = ['purge']) => {
  ws = workspace(config)
  const result = await ws.run(argv)
  expect(result.code).toBe(2)
  expect(result.stderr).toContain(ws.path('push-registry.json'))
  expect(result.stderr).not.toMatch(/\n\s+at /)
  return result.stderr
}

describe('push-registry config', () => {
  it('R5: a bad platform is exit 2 naming the field path and the rule', async () => {
    expect(await bad({ apps: [{ appId: 'ios', name: 'iOS', platform: 'symbian' }] })).toMatch(/apps\[0\]\.platform \(R5\) must be one of ios, android, web/)
  })

  it('R4: no apps, a duplicate app, or a policy for an unknown app is exit 2 naming the path', async () => {
    expect(await bad({ apps: [] })).toMatch(/apps \(R4\) must list at least one app/)
    expect(await bad({ apps: [apps[0], apps[0]] })).toMatch(/apps\[1\]\.appId \(R4\) is configured twice/)
    expect(await bad({ apps, policy: { web: { staleAfter: '10d' } } })).toMatch(/policy\.web \(R4\) names an app that is not configured/)
  })

  it('R19: a duration the core cannot read is exit 2 naming the policy field', async () => {
    expect(await bad({ apps, policy: { android: { expireAfter: 'a while' } } })).toMatch(/policy\.android\.expireAfter \(R19\)/)
  })

  it('S3: unknown keys are refused, not ignored', async () => {
    expect(await bad({ apps, colour: 'blue' })).toMatch(/colour \(S3\) is not a known option/)
    expect(await bad({ apps, policy: { ios: { staleAfterr: '1d' } } })).toMatch(/policy\.ios\.staleAfterr \(S3\)/)
  })

  it('S2: a key that is too short is refused without echoing it', async () => {
    const stderr = await bad({ apps, keys: { ios: 'short' } })
    expect(stderr).toMatch(/keys\.ios \(S3\) must be a secret of at least 16 characters/)
    expect(stderr).not.toContain('"short"')
  })

  it('S3: appKeys is checked like keys, its former name; giving both is exit 2 naming the former', async () => {
    expect(await bad({ apps, appKeys: { ios: 'short' } })).toMatch(/appKeys\.ios \(S3\) must be a secret of at least 16 characters/)
    expect(await bad({ apps, appKeys: { web: '0123456789abcdef0' } })).toMatch(/appKeys\.web \(R4\) names an app that is not configured/)
    const both = await bad({ apps, appKeys: { ios: '0123456789abcdef0' }, keys: { ios: '0123456789abcdef1' } })
    expect(both).toMatch(/keys \(S3\) is the former name of appKeys: give only appKeys/)
    expect(both).not.toContain('0123456789abcdef')
  })

  it('a missing config file is exit 2 saying where it looked and how to give one', async () => {
    ws = workspace()
    const result = await ws.run(['purge', '--config', 'elsewhere.json'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`config ${ws.path('elsewhere.json')} not found (give one with --config PATH`)
  })

  it('a config that is not JSON is exit 2', async () => {
    ws = workspace()
    ws.write('push-registry.json', '{ apps: [ }')
    const result = await ws.run(['profile', 'kim'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/config .*push-registry\.json is not valid JSON/)
  })

  it('PUSH_REGISTRY_CONFIG names the config file; PUSH_REGISTRY_KEYS is checked like the file', async () => {
    ws = workspace({ apps: [{ appId: 'x', name: 'x', platform: 'ios' }] })
    ws.write('other.json', JSON.stringify({ apps }))
    expect((await ws.run(['purge'], { env: { PUSH_REGISTRY_CONFIG: 'other.json' } })).code).toBe(0)
    const keys = await ws.run(['purge'], { env: { PUSH_REGISTRY_CONFIG: 'other.json', PUSH_REGISTRY_KEYS: '{"web":"0123456789abcdef0"}' } })
    expect(keys.code).toBe(2)
    expect(keys.stderr).toMatch(/env PUSH_REGISTRY_KEYS\.web \(R4\) names an app that is not configured/)
  })
})
