import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { classifyAnswer } from 'push-registry'
import { answerShapeArb, numRuns } from './arbitraries.js'

const classes = ['delivered', 'dead', 'ambiguous', 'credentials', 'payload', 'transient']

describe('classifyAnswer is total (R15)', () => {
  it('R15: every answer gets exactly one known class, with the fields of that class', () => {
    fc.assert(
      fc.property(answerShapeArb, (answer) => {
        const verdict = classifyAnswer(answer)
        expect(classes).toContain(verdict.class)
        if (verdict.class === 'credentials') expect(typeof verdict.refresh).toBe('boolean')
        if (verdict.class === 'transient') expect(typeof verdict.recognised).toBe('boolean')
      }),
      { numRuns },
    )
  })

  it('R15: an answer from a provider §4 does not list is never evidence about the token', () => {
    fc.assert(
      fc.property(answerShapeArb, fc.string({ minLength: 1, maxLength: 8 }), (answer, provider) => {
        fc.pre(!['apns', 'fcm', 'webpush'].includes(provider))
        expect(classifyAnswer({ ...answer, provider })).toEqual({ class: 'transient', recognised: false })
      }),
      { numRuns },
    )
  })

  it('R16: an unrecognised answer is never dead, ambiguous or delivered', () => {
    fc.assert(
      fc.property(answerShapeArb, (answer) => {
        const verdict = classifyAnswer(answer)
        if (verdict.class === 'transient' && !verdict.recognised) expect(verdict).toEqual({ class: 'transient', recognised: false })
        if (verdict.class === 'dead') expect(['apns', 'fcm', 'webpush']).toContain(answer.provider)
      }),
      { numRuns },
    )
  })
})
