import { ApnsConfigError } from 'push-registry/apns'
import { FcmConfigError } from 'push-registry/fcm'
import { UiConfigError } from 'push-registry/http'
import { createMemoryStorage } from 'push-registry/memory'
import { WebPushConfigError } from 'push-registry/webpush'
import {
  ContentionError,
  DispatchConfigError,
  DispatchError,
  RegistryConfigError,
  StorageError,
  createRegistry,
  errorBrand,
  isPushRegistryError,
} from 'push-registry'
import { describe, expect, it } from 'vitest'

/**
 * Every error class the package exports has a static `is()` that recognises its instances by a
 * registered-symbol brand, and `isPushRegistryError` recognises them all. The packaging test
 * checks the same across the ES module and CommonJS builds; here, what the guards accept.
 */
const samples = [
  new StorageError('read', new Error('down')),
  new ContentionError(16),
  new RegistryConfigError([]),
  new DispatchError('bad_request', 'no audience'),
  new DispatchConfigError(['providers: empty']),
  new UiConfigError('ui.sessionSecret', 'is too short'),
  new ApnsConfigError('no key'),
  new FcmConfigError('serviceAccount.private_key', 'is not a key'),
  new WebPushConfigError('no VAPID keys'),
] as const

const classes = [StorageError, ContentionError, RegistryConfigError, DispatchError, DispatchConfigError, UiConfigError, ApnsConfigError, FcmConfigError, WebPushConfigError] as const

describe('error guards', () => {
  it('recognise each class by its own guard only, and every class by isPushRegistryError', () => {
    classes.forEach((errorClass, i) => {
      samples.forEach((sample, j) => expect(errorClass.is(sample), `${errorClass.name}.is(${sample.name})`).toBe(i === j))
      expect(isPushRegistryError(samples[i]), samples[i]?.name).toBe(true)
      expect(isPushRegistryError(samples[i], samples[i]?.name)).toBe(true)
    })
  })

  it('are not fooled by an error that only borrows the name, nor by values that are not objects', () => {
    const impostor = Object.assign(new Error('x'), { name: 'StorageError' })
    expect(StorageError.is(impostor)).toBe(false)
    expect(isPushRegistryError(impostor)).toBe(false)
    for (const value of [null, undefined, 'StorageError', 42, {}]) expect(isPushRegistryError(value)).toBe(false)
  })

  it('read the brand from the registered symbol, so another copy of the class is recognised', () => {
    // What a second build of the package does: its own class, branded under the same symbol.
    class OtherCopy extends Error {}
    Object.defineProperty(OtherCopy.prototype, Symbol.for('push-registry.error'), { value: 'RegistryConfigError' })
    expect(errorBrand).toBe(Symbol.for('push-registry.error'))
    expect(RegistryConfigError.is(new OtherCopy('x'))).toBe(true)
    expect(StorageError.is(new OtherCopy('x'))).toBe(false)
  })

  it('recognise what the library throws (RegistryConfigError: no apps)', () => {
    let thrown: unknown
    try {
      createRegistry({ apps: [], storage: createMemoryStorage() })
    } catch (error) {
      thrown = error
    }
    expect(RegistryConfigError.is(thrown)).toBe(true)
    expect(isPushRegistryError(thrown, 'RegistryConfigError')).toBe(true)
  })
})
