import type { ProviderPort } from 'push-registry'
import { createApnsProvider } from 'push-registry/apns'
import type { ApnsProviderOptions } from 'push-registry/apns'
import type { ApnsPeer, ApnsPeerOptions, LoopbackCertificate } from '../peers/apns/index.js'
import { loopbackCertificate, startApnsPeer } from '../peers/apns/index.js'

/** Loopback APNs peers and adapters pointed at them, closed together after each test. */
export interface AdapterBed {
  /** The certificate every peer of the bed serves (made once: RSA key generation is slow). */
  readonly certificate: () => LoopbackCertificate
  readonly peer: (options?: ApnsPeerOptions) => Promise<ApnsPeer>
  /** An adapter with the peer's key, `topic`, the peer as production endpoint, and `defaults`. */
  readonly providerFor: (target: ApnsPeer, options?: Partial<ApnsProviderOptions>) => ProviderPort
  /** Closes an adapter built elsewhere with the others. */
  readonly track: (provider: ProviderPort) => ProviderPort
  /** For `afterEach`: closes the adapters, then the peers. */
  readonly closeAll: () => Promise<void>
}

export const adapterBed = (topic: string, defaults: Partial<ApnsProviderOptions> = {}): AdapterBed => {
  let certificate: LoopbackCertificate | undefined
  const peers: ApnsPeer[] = []
  const providers: ProviderPort[] = []
  const certificateOnce = (): LoopbackCertificate => (certificate ??= loopbackCertificate())
  const track = (provider: ProviderPort): ProviderPort => {
    providers.push(provider)
    return provider
  }
  return {
    certificate: certificateOnce,
    peer: async (options = {}) => {
      const started = await startApnsPeer({ certificate: certificateOnce(), ...options })
      peers.push(started)
      return started
    },
    providerFor: (target, options = {}) => {
      const credentials = target.credentials
      if (credentials === undefined) throw new Error('the peer made no key')
      return track(createApnsProvider({ ...credentials, topic, endpoints: { production: target.origin }, tls: { ca: target.ca }, ...defaults, ...options }))
    },
    track,
    closeAll: async () => {
      await Promise.all(providers.splice(0).map((p) => p.close()))
      await Promise.all(peers.splice(0).map((p) => p.close()))
    },
  }
}
