import { describeStorageConformance } from 'push-registry/testing'
import { describe, expect, it } from 'vitest'
import { disposeStore, openStore, reopenStore, serverMissing, serverRequired, serverUrl } from './test-databases.js'

// The kit on a real PostgreSQL server, each store in a schema
// of its own; `reopen` opens a second storage on the same schema, as another process would,
// so the kit also checks what `durable` and `sharedAcrossProcesses` promise. A file of its own
// so that it runs alongside the PGlite file. Without PUSH_REGISTRY_PG_URL it is skipped with a
// message, except in CI, where it fails.
if (serverUrl !== undefined) {
  describeStorageConformance({
    name: 'postgres on a server',
    create: () => openStore('server'),
    teardown: disposeStore,
    reopen: reopenStore,
    // A quarter of the kit's default runs: the PGlite file runs the same statements at 100 runs,
    // and here every run pays network round trips; at 100 runs this file took 28 minutes on a
    // loaded 2-core machine (a D14 property hit the 120 s test timeout). FC_RUNS raises them.
    fc: { numRuns: 50, modelRuns: 25 },
  })
  // The same kit through named prepared statements, which outlive each call on a connection.
  describeStorageConformance({
    name: 'postgres on a server, prepared statements',
    create: () => openStore('server-prepared'),
    teardown: disposeStore,
    reopen: reopenStore,
    // A pool per store (see test-databases.ts) makes each run slower: fewer runs than the defaults.
    fc: { numRuns: 30, modelRuns: 15 },
  })
} else {
  describe('postgres on a server', () => {
    if (serverRequired) it('runs in CI', () => expect.fail(serverMissing()))
    else it.skip(serverMissing(), () => undefined)
  })
}
