import type { CommitRefusal, RecordWrite } from 'push-registry'
import { recordId } from 'push-registry'

/**
 * SQLSTATEs that mean PostgreSQL will not hold what a commit asked it to write, whoever else
 * writes: the same statement would fail again. Class 54 is a program limit (an index entry
 * over a third of a page, a statement too complex, a jsonb value too large); the class 22 codes
 * are values the engine cannot represent (text too long for its column, a number out of
 * range, a character the database encoding lacks). Everything else is an outage, a race (see
 * `lostARace`) or a defect, and is not a refusal.
 */
const refusedCodes = /^(54\w{3}|22001|22003|22021|22P05)$/

/**
 * The port's refusal for an error the commit statement raised, or `null` when the error is not
 * one. The reason carries PostgreSQL's message (which names the limit and the index, never a
 * value: values go in `detail`, left out since they hold tokens, S2).
 */
export const refusalOf = (error: unknown): CommitRefusal | null => {
  if (typeof error !== 'object' || error === null) return null
  const { code, message } = error as { code?: unknown; message?: unknown }
  if (typeof code !== 'string' || !refusedCodes.test(code)) return null
  return { reason: `PostgreSQL refused the write (SQLSTATE ${code}: ${typeof message === 'string' ? message : 'no message'})` }
}

// JSON.stringify writes U+0000 and unpaired surrogates as escapes (\u0000, \ud800): an
// escape is one preceded by an even number of backslashes. Paired surrogates stay as they are.
const unstorable = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i

/**
 * Whether JSON text holds U+0000 or an unpaired surrogate, which text and jsonb cannot store.
 * Text without any `\u` cannot (the common case, found without running the pattern, which tries
 * a match at every character).
 */
export const holdsUnstorable = (json: string): boolean => json.includes('\\u') && unstorable.test(json)

/**
 * The refusal of writes PostgreSQL cannot store as they are: text and jsonb reject the
 * character U+0000, and a string that is not well-formed UTF-16 would not come back equal.
 * `json` holds each write's JSON text, in order. `null` when every write is storable.
 */
export const unstorableWrites = (writes: readonly RecordWrite[], json: readonly string[]): CommitRefusal | null => {
  const refused = writes.filter((_, i) => holdsUnstorable(json[i] ?? '')).map((write) => recordId(write.record))
  return refused.length === 0 ? null : { reason: 'PostgreSQL cannot store U+0000 or an unpaired surrogate in text or jsonb', records: refused }
}
