import { timingSafeEqual } from 'node:crypto'
import type { OperatorDigest } from './ui-options.js'
import { sha256 } from './ui-options.js'

/**
 * The operator a name and secret sign in as, or `null`. Both are compared as SHA-256 digests
 * with `timingSafeEqual` against every configured operator, so the time taken tells neither
 * whether the name exists nor how close the secret came.
 */
export const checkOperator = (operators: readonly OperatorDigest[], name: string, secret: string): string | null => {
  const nameDigest = sha256(name)
  const secretDigest = sha256(secret)
  let found: string | null = null
  for (const operator of operators) {
    const nameMatches = timingSafeEqual(operator.nameDigest, nameDigest)
    const secretMatches = timingSafeEqual(operator.secretDigest, secretDigest)
    if (nameMatches && secretMatches) found = operator.name
  }
  return found
}
