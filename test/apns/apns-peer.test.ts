import { generateKeyPairSync, sign } from 'node:crypto'
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApnsPeer } from '../peers/apns/index.js'
import { startApnsPeer, verifyProviderToken } from '../peers/apns/index.js'

type NodeApn = typeof import('@parse/node-apn')
const apn = createRequire(import.meta.url)('@parse/node-apn') as NodeApn

/**
 * The peer is checked against a client it shares no code with, `@parse/node-apn`: if the peer's
 * JWT verification or header checks were wrong, these fail, so the adapter's tests against the
 * peer mean something.
 */
describe('the loopback APNs peer, driven by @parse/node-apn', () => {
  let peer: ApnsPeer
  const token = 'ab'.repeat(32)

  beforeAll(async () => {
    peer = await startApnsPeer({ topics: ['com.example.charlie'] })
  })
  afterAll(async () => {
    await peer.close()
  })

  const providerWith = (key: string): InstanceType<NodeApn['Provider']> => {
    const credentials = peer.credentials
    if (credentials === undefined) throw new Error('no key')
    const url = new URL(peer.origin)
    return new apn.Provider({
      token: { key, keyId: credentials.keyId, teamId: credentials.teamId },
      address: url.hostname,
      port: Number(url.port),
      ca: [peer.ca],
    })
  }

  const note = (fields: { topic?: string; pushType?: 'alert' | 'background'; priority?: number }): InstanceType<NodeApn['Notification']> => {
    const n = new apn.Notification()
    n.topic = fields.topic ?? 'com.example.charlie'
    n.pushType = fields.pushType ?? 'alert'
    n.priority = fields.priority ?? 10
    n.rawPayload = { aps: { alert: 'Bonjour' } }
    return n
  }

  it('accepts node-apn\'s ES256 provider token and headers, and records the push', async () => {
    const provider = providerWith(peer.credentials?.privateKey ?? '')
    try {
      const result = await provider.send(note({}), token)
      expect(result.failed).toEqual([])
      expect(result.sent).toHaveLength(1)
      expect(peer.received.at(-1)).toMatchObject({ token, topic: 'com.example.charlie', pushType: 'alert', priority: 10 })
    } finally {
      await provider.shutdown()
    }
  })

  it('answers scripted 410 Unregistered with its timestamp, as node-apn reads it', async () => {
    const provider = providerWith(peer.credentials?.privateKey ?? '')
    peer.script(token, [{ status: 410, reason: 'Unregistered', timestamp: 1_763_900_000_000 }])
    try {
      const result = await provider.send(note({}), token)
      expect(result.failed[0]).toMatchObject({ status: 410, response: { reason: 'Unregistered', timestamp: 1_763_900_000_000 } })
    } finally {
      await provider.shutdown()
    }
  })

  it('refuses a token signed by another key (403 InvalidProviderToken), a foreign topic, a background push at priority 10', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const forged = providerWith(otherKey)
    const honest = providerWith(peer.credentials?.privateKey ?? '')
    try {
      expect((await forged.send(note({}), token)).failed[0]).toMatchObject({ status: 403, response: { reason: 'InvalidProviderToken' } })
      expect((await honest.send(note({ topic: 'com.example.other' }), token)).failed[0]).toMatchObject({ status: 400, response: { reason: 'TopicDisallowed' } })
      expect((await honest.send(note({ pushType: 'background', priority: 10 }), token)).failed[0]).toMatchObject({ status: 400, response: { reason: 'BadPriority' } })
    } finally {
      await forged.shutdown()
      await honest.shutdown()
    }
  })
})

describe('verifyProviderToken', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const keys = new Map([['KEY1234567', { teamId: 'TEAM123456', keyId: 'KEY1234567', publicKey: pair.publicKey }]])
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const jwt = (header: object, claims: object, dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): string => {
    const signed = `${part(header)}.${part(claims)}`
    return `bearer ${signed}.${sign('sha256', Buffer.from(signed), { key: pair.privateKey, dsaEncoding }).toString('base64url')}`
  }
  const good = { alg: 'ES256', kid: 'KEY1234567' }
  const claims = { iss: 'TEAM123456', iat: 1_763_900_000 }

  it('accepts a P1363-signed ES256 token and reads iat as ms', () => {
    expect(verifyProviderToken(jwt(good, claims), keys)).toEqual({ ok: true, issuedAtMs: 1_763_900_000_000, keyId: 'KEY1234567', teamId: 'TEAM123456' })
  })

  it('refuses a DER signature, an unknown kid, a wrong iss, another alg, a tampered claim, a missing header', () => {
    const tampered = jwt(good, claims).replace(part(claims), part({ ...claims, iat: claims.iat + 1 }))
    for (const authorization of [
      jwt(good, claims, 'der'),
      jwt({ ...good, kid: 'OTHER00000' }, claims),
      jwt(good, { ...claims, iss: 'OTHERTEAM0' }),
      jwt({ ...good, alg: 'HS256' }, claims),
      tampered,
    ]) {
      expect(verifyProviderToken(authorization, keys)).toEqual({ ok: false, reason: 'InvalidProviderToken' })
    }
    expect(verifyProviderToken(undefined, keys)).toEqual({ ok: false, reason: 'MissingProviderToken' })
  })
})
