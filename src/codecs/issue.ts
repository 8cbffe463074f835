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

/** Turns io-ts errors into issues, one per failing path, with the rule the codec named. */
export const issuesOf = (errors: t.Errors, prefix: string): Issue[] => {
  const seen = new Set<string>()
  const issues: Issue[] = []
  for (const error of errors) {
    const keys = error.context.map((entry) => entry.key).filter((key) => key !== '')
    const path = keys.reduce((acc, key) => (/^\d+$/.test(key) ? `${acc}[${key}]` : `${acc}.${key}`), prefix)
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
    const id = `${issue.path}|${issue.rule}|${issue.message}`
    if (!seen.has(id)) {
      seen.add(id)
      issues.push(issue)
    }
  }
  return issues
}
