import type { Registry } from 'push-registry'
import { createRegistry, fixedClock, systemClock } from 'push-registry'
import type { CliIo } from './cli-io.js'
import type { CliConfig } from './load-config.js'
import { loadConfig } from './load-config.js'
import type { Note, StoreChoice, StoreOptions } from './open-store.js'
import { chooseStore, openStore } from './open-store.js'

/** A registry opened for one command, with what it was opened on. */
export interface OpenRegistry {
  readonly registry: Registry
  readonly config: CliConfig
  readonly store: StoreChoice
}

/** What a command opens a registry with: the storage options, the config file, and where slow steps are told. */
export type RegistryOptions = StoreOptions & { readonly config?: string | undefined; readonly note?: Note | undefined }

/**
 * Reads the config, then opens the storage and builds the registry on it: in that order, so a
 * bad config is reported before any connection is attempted. `now` fixes the query clock.
 */
export const openRegistry = async (io: CliIo, options: RegistryOptions, now?: number): Promise<OpenRegistry> => {
  const config = await loadConfig(io, options.config)
  const store = chooseStore(io, options)
  const storage = await openStore(store, options.note)
  const registry = createRegistry({
    apps: config.apps,
    policy: config.policy,
    storage,
    clock: now === undefined ? systemClock : fixedClock(now),
  })
  return { registry, config, store }
}

/** Runs `use` on an opened registry and always closes it, even when `use` throws. */
export const withRegistry = async <A>(
  io: CliIo,
  options: RegistryOptions,
  now: number | undefined,
  use: (opened: OpenRegistry) => Promise<A>,
): Promise<A> => {
  const opened = await openRegistry(io, options, now)
  try {
    return await use(opened)
  } finally {
    await opened.registry.close()
  }
}
