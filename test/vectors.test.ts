import { describe, expect, it } from 'vitest'
import { storagesUnderTest } from './support/storages.js'
import type { Feeding } from './support/vector.js'
import { formatProblems, loadVectors, runVector, seededRandom, shuffle } from './support/vector.js'

/**
 * The acceptance contract (../shared/spec/vectors.md): every vector under `VECTORS_DIR`
 * (default ../shared/vectors) and under test/vectors, on every storage adapter available, in its own order, in at least 5 seeded permutations and
 * with every input duplicated (R20, I9). `VECTORS_SEED` replays a printed seed.
 */
const dir = process.env['VECTORS_DIR'] ?? '../shared/vectors'
/** The project's own vectors, derived from the spec for what the shared ones leave out. */
const ownDir = 'test/vectors'
const baseSeed = Number(process.env['VECTORS_SEED'] ?? Date.now() % 1_000_000)
const permutations = Math.max(5, Number(process.env['VECTORS_PERMUTATIONS'] ?? 5))

const feedings = (count: number, orderIndependent: boolean, seed: number): Feeding[] => {
  const identity = Array.from({ length: count }, (_, i) => i)
  const out: Feeding[] = [
    { label: 'given order, one input at a time', order: identity, batch: false },
    { label: 'given order, one batch', order: identity, batch: true },
  ]
  if (!orderIndependent) return out
  const random = seededRandom(seed)
  for (let p = 0; p < permutations; p++) {
    out.push({ label: `permutation ${p + 1} of seed ${seed}`, order: shuffle(identity, random), batch: p % 2 === 0 })
  }
  out.push({ label: `every input twice, shuffled with seed ${seed}`, order: shuffle([...identity, ...identity], random), batch: true })
  return out
}

for (const folder of [dir, ownDir]) {
  const vectors = loadVectors(folder)
  describe(`vectors in ${folder}`, () => {
    it('finds vectors to run', () => {
      expect(vectors.length).toBeGreaterThan(0)
    })
    for (const storage of storagesUnderTest) {
      describe(`on ${storage.name} storage`, () => {
        for (const vector of vectors) {
          it(`${vector.file}: ${vector.name}`, async () => {
            expect(formatProblems(vector)).toEqual([])
            const failures: string[] = []
            for (const feeding of feedings(vector.inputs.length, vector.orderIndependent, baseSeed)) {
              const store = await storage.create()
              let problems: string[]
              try {
                problems = await runVector(vector, store, feeding)
              } finally {
                await (storage.dispose ?? ((s) => s.close()))(store)
              }
              if (problems.length > 0) failures.push(`[${feeding.label}] (replay: VECTORS_SEED=${baseSeed})\n  ${problems.join('\n  ')}`)
            }
            expect(failures, failures.join('\n')).toEqual([])
          })
        }
      })
    }
  })
}
