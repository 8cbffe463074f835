import type { Dispatcher, DispatcherOptions, PolicyOverrides, ProviderPort, StoragePort } from 'push-registry'
import { createDispatcher } from 'push-registry'
import type { Harness } from '../harness.js'
import { setup } from '../harness.js'
import { recordingSleep } from './scripted-port.js'

/** A registry harness, plus a dispatcher on the same clock whose waits return at once. */
export interface DispatchHarness extends Harness {
  readonly dispatcher: Dispatcher
  /** Every wait the dispatcher asked for, in order. */
  readonly waits: number[]
}

export const dispatchSetup = (options: {
  readonly providers: Readonly<Record<string, ProviderPort>>
  readonly now?: string
  readonly policy?: Readonly<Record<string, PolicyOverrides>>
  readonly storage?: StoragePort
  readonly dispatcher?: Partial<Omit<DispatcherOptions, 'registry' | 'providers'>>
}): DispatchHarness => {
  const harness = setup({
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.storage === undefined ? {} : { storage: options.storage }),
  })
  const { waits, sleep } = recordingSleep()
  let next = 0
  const dispatcher = createDispatcher({
    registry: harness.registry,
    providers: options.providers,
    clock: harness.clock,
    sleep,
    random: () => 0.5,
    newDispatchId: () => `dispatch-${++next}`,
    ...options.dispatcher,
  })
  return { ...harness, dispatcher, waits }
}

/** The sum of a report's outcomes, which must equal `targeted`. */
export const outcomeSum = (r: {
  delivered: number
  dead: number
  suspect: number
  withheld: number
  credentialsRejected: number
  payloadRejected: number
  transientFailed: number
  credentialsStopped: number
}): number =>
  r.delivered + r.dead + r.suspect + r.withheld + r.credentialsRejected + r.payloadRejected + r.transientFailed + r.credentialsStopped
