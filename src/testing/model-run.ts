import fc from 'fast-check'
import type { CommitOutcome, Registry, StoragePort } from 'push-registry'
import { collect, recordId } from 'push-registry'
import { describe, expect, it } from 'vitest'
import { malformedInput, validInput, validInputs } from './arbitraries.js'
import { expectAllAccepted, feed, outcomeOn } from './feed.js'
import type { ConformanceOptions, RunSettings } from './options.js'
import { withStore } from './options.js'
import { createReferenceStorage } from './reference-storage.js'
import { allRecords, recordKinds } from './sample-records.js'
import { takeSnapshot } from './snapshot.js'
import { kitRegistry, kitUsers } from './universe.js'

/** One side of the model-based run: a registry and the store under it. */
interface Side {
  readonly registry: Registry
  readonly store: StoragePort
}

/** fast-check wants the model to be an object; the model is a registry on the reference storage. */
type Model = Side
type Real = Side

/** Every stored record with its version, by kind: equal on both sides when the adapter keeps the contract. */
const storedState = async (store: StoragePort) => {
  const out: Record<string, unknown[]> = {}
  for (const kind of recordKinds) {
    const stored: { id: string; version: number; record: unknown }[] = []
    let cursor: string | undefined
    do {
      const page = await store.scan({ kind, limit: 7, ...(cursor === undefined ? {} : { cursor }) })
      stored.push(...page.records.map((r) => ({ id: recordId(r.record), version: r.version, record: r.record })))
      cursor = page.next ?? undefined
    } while (cursor !== undefined)
    out[kind] = stored.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(({ version, record }) => ({ version, record }))
  }
  return out
}

/** Ingests the same payload on both sides; the reports and then the answers must agree. */
class IngestCommand implements fc.AsyncCommand<Model, Real> {
  constructor(private readonly payload: unknown) {}
  check = (): boolean => true
  async run(model: Model, real: Real): Promise<void> {
    const expected = await model.registry.ingest(this.payload)
    const actual = await real.registry.ingest(this.payload)
    expect(actual).toEqual(expected)
    expect(await collect(real.registry.registrations()).then(sortById)).toEqual(await collect(model.registry.registrations()).then(sortById))
    for (const kind of ['alert', 'background'] as const) {
      for (const appId of ['ios', 'android', 'web']) {
        expect(sortById(await collect(real.registry.targets({ appId, kind })))).toEqual(sortById(await collect(model.registry.targets({ appId, kind }))))
      }
    }
    for (const userId of kitUsers) expect(await real.registry.profile(userId)).toEqual(await model.registry.profile(userId))
  }
  toString(): string {
    return `ingest(${JSON.stringify(this.payload)})`
  }
}

/** Asks both sides every question of a snapshot, and compares their stored records and versions. */
class QueryCommand implements fc.AsyncCommand<Model, Real> {
  check = (): boolean => true
  async run(model: Model, real: Real): Promise<void> {
    expect(await takeSnapshot(real.registry)).toEqual(await takeSnapshot(model.registry))
    expect(await storedState(real.store)).toEqual(await storedState(model.store))
  }
  toString(): string {
    return 'query()'
  }
}

const sortById = <A extends { readonly appId: string; readonly deviceId: string }>(rows: readonly A[]): A[] =>
  [...rows].sort((a, b) => (`${a.appId}\u0000${a.deviceId}` < `${b.appId}\u0000${b.deviceId}` ? -1 : 1))

const commands = fc.commands(
  [
    validInput.map((input) => new IngestCommand(input)),
    malformedInput.map((input) => new IngestCommand(input)),
    fc
      .array(fc.oneof({ arbitrary: validInput, weight: 5 }, { arbitrary: malformedInput, weight: 1 }), { minLength: 1, maxLength: 12 })
      .map((batch) => new IngestCommand(batch)),
    fc.constant(new QueryCommand()),
  ],
  { maxCommands: 25 },
)

/** A store whose every call waits for fast-check's scheduler, which picks how calls interleave. */
const scheduled = (store: StoragePort, s: fc.Scheduler): StoragePort => ({
  capabilities: store.capabilities,
  read: async (keys) => s.schedule(Promise.resolve(), 'read').then(() => store.read(keys)),
  commit: async (writes, options) => s.schedule(Promise.resolve(), 'commit').then(() => store.commit(writes, options)),
  scan: async (request) => s.schedule(Promise.resolve(), 'scan').then(() => store.scan(request)),
  readChanges: async (request) => s.schedule(Promise.resolve(), 'readChanges').then(() => store.readChanges(request)),
  pruneChanges: async (request) => s.schedule(Promise.resolve(), 'pruneChanges').then(() => store.pruneChanges(request)),
  close: () => store.close(),
})

/**
 * Two registries, the second on `second(store)`, feed the two halves of a list of inputs at
 * once, while fast-check's scheduler picks the order of every storage call; they must end
 * where a registry fed the whole list ends.
 */
const race = (options: ConformanceOptions, second: (store: StoragePort) => Promise<StoragePort>) =>
  fc.asyncProperty(validInputs, fc.infiniteStream(fc.boolean()), fc.constantFrom(1, 2), fc.scheduler(), async (inputs, sides, chunk, s) => {
    const expected = await outcomeOn(createReferenceStorage(), inputs)
    await withStore(options, async (store) => {
      const other = await second(store)
      try {
        const split = [...sides.take(inputs.length)]
        const left = inputs.filter((_, i) => split[i] === true)
        const right = inputs.filter((_, i) => split[i] !== true)
        const reports = await s.waitFor(
          Promise.all([
            feed(kitRegistry(scheduled(store, s), 1000), left, chunk),
            feed(kitRegistry(scheduled(other, s), 1000), right, chunk),
          ]),
        )
        expectAllAccepted(reports.flat())
        expect(await takeSnapshot(kitRegistry(store))).toEqual(expected.snapshot)
        expect(await allRecords(store)).toEqual(expected.records)
      } finally {
        if (other !== store) await other.close()
      }
    })
  })

/**
 * Layer 3: a model-based run (`fc.commands`). The model is a registry on the kit's reference
 * storage, the real system a registry on the adapter; every command runs on both and their
 * answers, then their stored records and versions, must agree. Then concurrency: registries
 * sharing one store of the adapter, racing, end where one registry fed everything ends.
 */
export const describeModel = (options: ConformanceOptions, settings: RunSettings): void => {
  it('answers like a registry on the reference storage, command after command', () =>
    fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        await withStore(options, async (store) => {
          const reference = createReferenceStorage()
          const setup = () => ({
            model: { registry: kitRegistry(reference), store: reference },
            real: { registry: kitRegistry(store), store },
          })
          await fc.asyncModelRun(setup, cmds)
        })
      }),
      settings,
    ))

  describe('concurrency (conditional commits, retries)', () => {
    it('a registry whose commit lost the race reads again, retries, and keeps both inputs', async () => {
      await withStore(options, async (store) => {
        let release: () => void = () => undefined
        const gate = new Promise<void>((resolve) => (release = resolve))
        let reachedCommit: () => void = () => undefined
        const atCommit = new Promise<void>((resolve) => (reachedCommit = resolve))
        const outcomes: CommitOutcome[] = []
        const slow: StoragePort = {
          ...store,
          commit: async (writes, commitOptions) => {
            reachedCommit()
            await gate
            const outcome = await store.commit(writes, commitOptions)
            outcomes.push(outcome)
            return outcome
          },
        }
        const a = kitRegistry(store)
        const b = kitRegistry(slow)
        const session = { type: 'session_started', at: '2026-01-02T00:00:00.000Z', appId: 'ios', deviceId: 'phone-1', userId: 'charlie', token: 'a1'.repeat(32), permission: 'granted' }
        const login = { type: 'user_changed', at: '2026-01-03T00:00:00.000Z', appId: 'ios', deviceId: 'phone-1', userId: 'kim' }
        const late = b.ingest(session)
        await atCommit
        expectAllAccepted([await a.ingest(login)])
        release()
        expectAllAccepted([await late])
        expect(outcomes[0]?.ok, 'the first commit of the slow registry conflicts').toBe(false)
        expect(outcomes.at(-1)?.ok).toBe(true)
        const rows = await collect(a.registrations())
        expect(rows.map(({ deviceId, owner, token, active }) => ({ deviceId, owner, token, active }))).toEqual([
          { deviceId: 'phone-1', owner: 'kim', token: 'a1'.repeat(32), active: true },
        ])
      })
    })

    it('two registries ingesting interleaved inputs concurrently end where one registry fed everything ends', () =>
      fc.assert(race(options, async (store) => store), settings))

    it('sharedAcrossProcesses: two registries on two handles of one store, racing, end where one registry fed everything ends', async (ctx) => {
      const reopen = options.reopen
      const shared = await withStore(options, async (store) => (options.capabilities ?? store.capabilities).sharedAcrossProcesses)
      if (!shared || reopen === undefined) {
        ctx.skip(shared ? 'pass `reopen` to check what sharedAcrossProcesses promises' : 'the adapter does not claim sharedAcrossProcesses')
        return
      }
      await fc.assert(race(options, reopen), settings)
    })
  })
}
