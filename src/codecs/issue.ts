import type * as t from 'io-ts'

/** The rule ids a rejection can name: the spec's R…, S… and D… ids. */
export type RuleId = `${'R' | 'S' | 'D' | 'I'}${number}`

/**
 * One reason an input was rejected: where (`inputs[3].token.endpoint`), under which rule, and
 * what was wrong, in words a host can log. Values are never echoed: they may be tokens (S2).
 */
export interface Issue {
  readonly path: string
  readonly rule: RuleId
  readonly message: string
}

/** Message format the codecs use to carry a rule id through io-ts: `S1: …`. */
export const ruleMessage = (rule: RuleId, message: string): string => `${rule}: ${message}`

const ruleMessagePattern = /^([RSDI]\d+): (.*)$/s

/** io-ts combinators whose members appear in a context as keys that are not field names. */
const memberIndexed = new Set(['IntersectionType', 'UnionType'])

interface Tagged {
  readonly _tag?: string
  readonly type?: unknown
}

/** The combinator behind a codec, looking through wrappers (`exact`, `readonly`, refinements) that add no keys. */
const tagOf = (codec: unknown): string => {
  let current = codec as Tagged | undefined
  while (current?._tag === 'ExactType' || current?._tag === 'ReadonlyType' || current?._tag === 'RefinementType') {
    current = current.type as Tagged | undefined
  }
  return current?._tag ?? ''
}

/** The field path of an io-ts context: member indices of intersections and unions left out. */
const pathOf = (context: t.Context, prefix: string): string => {
  let path = prefix
  for (let i = 1; i < context.length; i++) {
    if (memberIndexed.has(tagOf(context[i - 1]?.type))) continue
    const key = (context[i] as t.ContextEntry).key
    path = /^\d+$/.test(key) ? `${path}[${key}]` : `${path}.${key}`
  }
  return path
}

/**
 * Turns io-ts errors into issues, one per failing path, with the rule the codec named. Where a
 * union's members fail differently at one path, the issue that names a rule says more than the
 * member that merely expected another type, so only it is kept.
 */
export const issuesOf = (errors: t.Errors, prefix: string): Issue[] => {
  const byPath = new Map<string, { issue: Issue; named: boolean }[]>()
  for (const error of errors) {
    const path = pathOf(error.context, prefix)
    const match = error.message === undefined ? null : ruleMessagePattern.exec(error.message)
    const last = error.context[error.context.length - 1]
    const issue: Issue =
      match !== null
        ? { path, rule: match[1] as RuleId, message: match[2] as string }
        : {
            path,
            rule: 'S3',
            message: error.value === undefined ? `is required (${last?.type.name ?? 'value'})` : `must be ${last?.type.name ?? 'valid'}`,
          }
    const found = byPath.get(path) ?? []
    if (!found.some((f) => f.issue.rule === issue.rule && f.issue.message === issue.message)) found.push({ issue, named: match !== null })
    byPath.set(path, found)
  }
  return [...byPath.values()].flatMap((found) => {
    const named = found.filter((f) => f.named)
    return (named.length > 0 ? named : found).map((f) => f.issue)
  })
}
