import type { StorageCapabilities, StoragePort } from 'push-registry'

/** The groups of the kit; each can run alone (skip the others) or be skipped. */
export type ConformanceGroup = 'contract' | 'properties' | 'model'

/** What an adapter author passes to {@link describeStorageConformance}. */
export interface ConformanceOptions {
  /** Names the adapter in test titles. */
  readonly name: string
  /** A fresh, empty store. Called once per test, and once per run of a property. */
  readonly create: () => Promise<StoragePort>
  /**
   * Called once for every store `create` gave, when the kit is done with it; the store may
   * already be closed (the kit tests `close()` itself). Default: `store.close()`, unless the
   * kit closed the store already.
   */
  readonly teardown?: (store: StoragePort) => Promise<void>
  /**
   * A second handle on the data of `store` (a new connection, a new process's view). With it
   * the kit checks what the capabilities promise: `durable` (records survive `close()`) and
   * `sharedAcrossProcesses` (two handles, two registries, concurrent ingests). Without it
   * those checks are skipped.
   */
  readonly reopen?: (store: StoragePort) => Promise<StoragePort>
  /** What the adapter claims beyond the contract. Default: the first store's `capabilities`. */
  readonly capabilities?: StorageCapabilities
  /** Groups not to run. */
  readonly skip?: readonly ConformanceGroup[]
  /** fast-check settings. The `FC_RUNS` environment variable raises both run counts, `FC_SEED` sets the seed. */
  readonly fc?: {
    /** Runs of each invariant property. Default 200. */
    readonly numRuns?: number
    /** Runs of each model-based property (each run is a sequence of up to 25 commands). Default 100. */
    readonly modelRuns?: number
    /** Replays a failure: the seed fast-check printed. */
    readonly seed?: number
  }
}

/** The fast-check parameters of one property. */
export interface RunSettings {
  readonly numRuns: number
  readonly seed?: number
}

const envNumber = (name: string): number | undefined => {
  const raw = typeof process === 'undefined' ? undefined : process.env[name]
  const value = raw === undefined || raw === '' ? Number.NaN : Number(raw)
  return Number.isFinite(value) ? value : undefined
}

/** The settings of the invariant properties and of the model-based run. */
export const runSettings = (options: ConformanceOptions): { readonly properties: RunSettings; readonly model: RunSettings } => {
  const floor = envNumber('FC_RUNS') ?? 0
  const seed = options.fc?.seed ?? envNumber('FC_SEED')
  const withSeed = (numRuns: number): RunSettings => (seed === undefined ? { numRuns } : { numRuns, seed })
  return {
    properties: withSeed(Math.max(options.fc?.numRuns ?? 200, floor)),
    model: withSeed(Math.max(options.fc?.modelRuns ?? 100, floor)),
  }
}

/** Stores a test closed itself, which the default teardown must not close a second time. */
const closedByKit = new WeakSet<StoragePort>()

/** Closes a store in a test, and remembers it so that the default teardown leaves it alone. */
export const closeInTest = async (store: StoragePort): Promise<void> => {
  closedByKit.add(store)
  await store.close()
}

/** Runs `body` on a fresh store and tears the store down afterwards, whatever happened. */
export const withStore = async <A>(options: ConformanceOptions, body: (store: StoragePort) => Promise<A>): Promise<A> => {
  const store = await options.create()
  try {
    return await body(store)
  } finally {
    if (options.teardown !== undefined) await options.teardown(store)
    else if (!closedByKit.has(store)) await store.close()
  }
}
