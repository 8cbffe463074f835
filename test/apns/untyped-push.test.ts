import type { AppId, OutgoingPush } from 'push-registry'
import { createApnsProvider } from 'push-registry/apns'
import { expect, it } from 'vitest'
import { loopbackCertificate, startApnsPeer } from '../peers/apns/index.js'

it('ProviderPort: send never throws: a collapseId that is no string (an untyped host) is a local 400 BadCollapseId', async () => {
  const p = await startApnsPeer({ certificate: loopbackCertificate() })
  const port = createApnsProvider({ ...p.credentials!, topic: 't', endpoints: { production: p.origin }, tls: { ca: p.ca } })
  const push = { appId: 'ios' as AppId, token: 'ab'.repeat(32), kind: 'alert', payload: { aps: {} }, collapseId: 42 } as unknown as OutgoingPush
  let outcome: unknown
  try {
    outcome = await port.send(push)
  } catch (error) {
    outcome = `threw ${(error as Error).name}: ${(error as Error).message.slice(0, 60)}`
  }
  await port.close()
  await p.close()
  expect(outcome).toMatchObject({ status: 400, reason: 'BadCollapseId' })
})
