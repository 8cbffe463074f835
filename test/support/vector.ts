import { collect } from 'push-registry'
import * as E from 'fp-ts/lib/Either.js'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import type { Registry, StoragePort } from 'push-registry'
import { canonicalKey } from '../../src/domain/order.js'
import { createRegistry, fixedClock, parseSegment } from 'push-registry'

/** A vector as `../shared/spec/vectors.md` describes it. */
export interface Vector {
  readonly file: string
  readonly name: string
  readonly apps: readonly unknown[]
  readonly policy?: unknown
  readonly inputs: readonly unknown[]
  readonly now?: string
  readonly orderIndependent: boolean
  readonly expect: Readonly<Record<string, unknown>>
}

const expectKeys = ['registrations', 'segments', 'targets', 'profiles', 'exports', 'changelog', 'rejected', 'lookup'] as const
const vectorKeys = ['name', 'rules', 'apps', 'policy', 'inputs', 'now', 'orderIndependent', 'expect', 'description']

/** Every `*.json` under `dir`, recursively, in name order. */
export const loadVectors = (dir: string): Vector[] => {
  const files: string[] = []
  const walk = (d: string): void => {
    for (const entry of readdirSync(d).sort()) {
      const path = join(d, entry)
      if (statSync(path).isDirectory()) walk(path)
      else if (entry.endsWith('.json')) files.push(path)
    }
  }
  walk(resolve(dir))
  return files.map((file) => {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    return {
      file: relative(process.cwd(), file),
      name: String(raw['name'] ?? file),
      apps: raw['apps'] as unknown[],
      policy: raw['policy'],
      inputs: raw['inputs'] as unknown[],
      ...(typeof raw['now'] === 'string' ? { now: raw['now'] } : {}),
      orderIndependent: raw['orderIndependent'] !== false,
      expect: (raw['expect'] ?? {}) as Record<string, unknown>,
      unknownVectorKeys: Object.keys(raw).filter((k) => !vectorKeys.includes(k)),
    }
  })
}

/** Problems with a vector's own format; the runner fails the vector on any. */
export const formatProblems = (vector: Vector): string[] => {
  const problems = Object.keys(vector.expect)
    .filter((k) => !(expectKeys as readonly string[]).includes(k))
    .map((k) => `unknown expect key "${k}"`)
  if (!Array.isArray(vector.apps)) problems.push('apps must be a list')
  if (!Array.isArray(vector.inputs)) problems.push('inputs must be a list')
  return problems
}

/** The query clock: the vector's `now`, else the latest valid `at` among its inputs. */
export const vectorNow = (vector: Vector): number => {
  if (vector.now !== undefined) return Date.parse(vector.now)
  let latest = 0
  for (const input of vector.inputs) {
    const at = typeof input === 'object' && input !== null ? Date.parse(String((input as { at?: unknown }).at)) : Number.NaN
    if (Number.isFinite(at) && at > latest) latest = at
  }
  return latest
}

/** A small seeded generator, so that a failing permutation can be replayed from its seed. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const shuffle = <A>(items: readonly A[], random: () => number): A[] => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j] as A, out[i] as A]
  }
  return out
}

/** One way of feeding a vector's inputs: which original index each fed input comes from, and how. */
export interface Feeding {
  readonly label: string
  readonly order: readonly number[]
  readonly batch: boolean
}

/** Feeds the inputs and answers every expectation; returns the mismatches, empty when it passes. */
export const runVector = async (vector: Vector, storage: StoragePort, feeding: Feeding): Promise<string[]> => {
  const registry = createRegistry({
    apps: vector.apps as never,
    policy: vector.policy as never,
    storage,
    clock: fixedClock(vectorNow(vector)),
  })
  const rejected = new Map<number, string[]>()
  const fed = feeding.order.map((i) => vector.inputs[i])
  const record = (fedIndex: number, paths: string[]): void => {
    rejected.set(feeding.order[fedIndex] as number, paths)
  }
  if (feeding.batch) {
    const report = await registry.ingest(fed)
    if (report.refused !== undefined) return [`batch refused: ${report.refused.message}`]
    for (const r of report.rejected) record(r.index, r.issues.map((i) => `${i.path} (${i.rule})`))
  } else {
    for (const [fedIndex, input] of fed.entries()) {
      const report = await registry.ingest(input)
      for (const r of report.rejected) record(fedIndex, r.issues.map((i) => `${i.path} (${i.rule})`))
    }
  }
  const problems: string[] = []
  for (const [key, expected] of Object.entries(vector.expect)) {
    problems.push(...(await check(registry, key, expected, rejected)).map((p) => `${key}: ${p}`))
  }
  await registry.close()
  return problems
}

const setOf = (items: readonly unknown[]): string[] => items.map(canonicalKey).sort()
const sameSet = (a: readonly unknown[], b: readonly unknown[]): boolean => canonicalKey(setOf(a)) === canonicalKey(setOf(b))
const show = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length})` : v))
const mismatch = (what: string, expected: unknown, actual: unknown): string => `${what}: expected ${show(expected)}, got ${show(actual)}`

const check = async (
  registry: Registry,
  key: string,
  expected: unknown,
  rejected: ReadonlyMap<number, string[]>,
): Promise<string[]> => {
  const object = (expected ?? {}) as Record<string, unknown>
  switch (key) {
    case 'rejected': {
      const actual = [...rejected.keys()]
      const problems = sameSet(expected as unknown[], actual) ? [] : [mismatch('rejected indices', expected, actual.sort((a, b) => a - b))]
      // Every rejection names a field path (inputs[3].token.endpoint) and a rule (S3).
      const wellFormed = /^(inputs\[\d+\]|input)(\.[A-Za-z_$][\w$]*)* \([RSDI]\d+\)$/
      for (const [index, paths] of rejected) {
        if (paths.length === 0) problems.push(`input ${index} rejected without a path`)
        for (const path of paths) if (!wellFormed.test(path)) problems.push(`input ${index} rejected with a malformed path or rule: ${path}`)
      }
      return problems
    }
    case 'registrations': {
      const actual = (await collect(registry.registrations())).map(({ appId, deviceId, token, owner, capability, active }) => ({ appId, deviceId, token, owner, capability, active }))
      return sameSet(expected as unknown[], actual) ? [] : [mismatch('registrations', expected, actual)]
    }
    case 'segments': {
      const problems: string[] = []
      for (const [name, users] of Object.entries(object)) {
        const spec = parseSegment(name)
        if (E.isLeft(spec)) {
          problems.push(`${name}: ${spec.left.message}`)
          continue
        }
        const actual = await collect(registry.segment(spec.right))
        if (!sameSet(users as unknown[], actual)) problems.push(mismatch(name, users, actual))
      }
      return problems
    }
    case 'targets': {
      const problems: string[] = []
      for (const [name, tokens] of Object.entries(object)) {
        const [kind, ...rest] = name.split(':')
        if (kind !== 'alert' && kind !== 'background') {
          problems.push(`${name}: kind must be alert or background`)
          continue
        }
        const actual = (await collect(registry.targets({ appId: rest.join(':'), kind }))).map((t) => t.token)
        if (!sameSet(tokens as unknown[], actual)) problems.push(mismatch(name, tokens, actual))
      }
      return problems
    }
    case 'profiles': {
      const problems: string[] = []
      for (const [userId, profile] of Object.entries(object)) {
        const want = profile as Record<string, unknown>
        const unknown = Object.keys(want).filter((k) => k !== 'subscription' && k !== 'pushRegisteredFor')
        if (unknown.length > 0) problems.push(`${userId}: unknown keys ${unknown.join(', ')}`)
        // A user the registry never saw has the default profile: subscribed (R11), no devices.
        const actual = await registry.profile(userId)
        const subscription = actual?.subscription ?? 'subscribed'
        const labels = actual?.devices.map((d) => d.pushRegisteredFor) ?? []
        if ('subscription' in want && want['subscription'] !== subscription) problems.push(mismatch(`${userId}.subscription`, want['subscription'], subscription))
        if ('pushRegisteredFor' in want && canonicalKey([...(want['pushRegisteredFor'] as string[])].sort()) !== canonicalKey([...labels].sort())) {
          problems.push(mismatch(`${userId}.pushRegisteredFor`, want['pushRegisteredFor'], labels))
        }
      }
      return problems
    }
    case 'exports': {
      const problems: string[] = []
      const actual = new Map((await registry.exportUsers(Object.keys(object))).map((e) => [e.external_id as string, e]))
      for (const [userId, want] of Object.entries(object)) {
        const got = actual.get(userId)
        const normal = (e: unknown) => {
          const { push_tokens, ...rest } = (e ?? {}) as { push_tokens?: unknown[] }
          return canonicalKey({ ...rest, push_tokens: setOf(push_tokens ?? []) })
        }
        // A user the registry never saw exports with the defaults (R11, R26).
        const shown = got ?? { external_id: userId, push_subscribe: 'subscribed', push_tokens: [] }
        if (normal(want) !== normal(shown)) problems.push(mismatch(userId, want, shown))
      }
      return problems
    }
    case 'changelog': {
      const problems: string[] = []
      for (const [userId, entries] of Object.entries(object)) {
        const actual = (await registry.changelog(userId)).map(({ kind, token, from, to }) => ({ kind, token, from, to }))
        if (canonicalKey(entries) !== canonicalKey(actual)) problems.push(mismatch(userId, entries, actual))
      }
      return problems
    }
    case 'lookup': {
      const problems: string[] = []
      for (const [query, userId] of Object.entries(object)) {
        const [kind, ...rest] = query.split(':')
        const value = rest.join(':')
        if (kind !== 'email' && kind !== 'phone') {
          problems.push(`${query}: must start with email: or phone:`)
          continue
        }
        const actual = await registry.lookup(kind === 'email' ? { email: value } : { phone: value })
        if (actual !== userId) problems.push(mismatch(query, userId, actual))
      }
      return problems
    }
    default:
      return [`unknown expect key`]
  }
}
