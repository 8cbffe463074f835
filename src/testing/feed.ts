import type { IngestReport, PolicyOverrides, Registry, RegistryRecord, StoragePort } from 'push-registry'
import { expect } from 'vitest'
import type { ConformanceOptions } from './options.js'
import { withStore } from './options.js'
import { allRecords } from './sample-records.js'
import type { Snapshot } from './snapshot.js'
import { takeSnapshot } from './snapshot.js'
import { kitRegistry } from './universe.js'

/** How a list of inputs reaches a registry: in batches of `chunk` inputs (1: one at a time). */
export const feed = async (registry: Registry, inputs: readonly unknown[], chunk = inputs.length): Promise<IngestReport[]> => {
  const reports: IngestReport[] = []
  const size = Math.max(1, chunk)
  for (let start = 0; start < inputs.length; start += size) {
    const slice = inputs.slice(start, start + size)
    reports.push(await registry.ingest(size === 1 ? slice[0] : slice))
  }
  return reports
}

/** Fails unless every input of the list was accepted: the kit's valid inputs must all be valid. */
export const expectAllAccepted = (reports: readonly IngestReport[]): void => {
  const rejected = reports.flatMap((r) => [...r.rejected.flatMap((x) => x.issues), ...(r.refused === undefined ? [] : [r.refused])])
  expect(rejected, 'the kit generated inputs it meant to be valid').toEqual([])
}

/** The state a fresh store of the adapter reaches from `inputs`: its answers and its records. */
export interface Outcome {
  readonly snapshot: Snapshot
  readonly records: readonly RegistryRecord[]
  readonly reports: readonly IngestReport[]
}

/**
 * Feeds `inputs` to a registry on a fresh store of the adapter, and reads the state it reached.
 * `policy` as {@link kitRegistry} takes it.
 */
export const outcomeOf = (
  options: ConformanceOptions,
  inputs: readonly unknown[],
  chunk?: number,
  policy?: Readonly<Record<string, PolicyOverrides>>,
): Promise<Outcome> => withStore(options, (store) => outcomeOn(store, inputs, chunk, policy))

/** Feeds `inputs` to a registry on `store`, and reads the state it reached. */
export const outcomeOn = async (
  store: StoragePort,
  inputs: readonly unknown[],
  chunk?: number,
  policy?: Readonly<Record<string, PolicyOverrides>>,
): Promise<Outcome> => {
  const registry = kitRegistry(store, 8, policy)
  const reports = await feed(registry, inputs, chunk)
  return { snapshot: await takeSnapshot(registry), records: await allRecords(store), reports }
}

/** The list with `extra` inserted at the positions `at` picks, and where each extra item landed. */
export const interleave = <A, B>(
  base: readonly A[],
  extra: readonly B[],
  at: readonly number[],
): { readonly items: (A | B)[]; readonly extraIndices: number[] } => {
  const tagged: { item: A | B; extra: boolean }[] = base.map((item) => ({ item, extra: false }))
  extra.forEach((item, i) => tagged.splice((at[i] ?? 0) % (tagged.length + 1), 0, { item, extra: true }))
  return {
    items: tagged.map((t) => t.item),
    extraIndices: tagged.flatMap((t, i) => (t.extra ? [i] : [])),
  }
}

