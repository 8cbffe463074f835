import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import { fastDecodeOf, inputCodecs } from '../../src/codecs/inputs.js'
import { defaultLimits } from '../../src/codecs/limits.js'
import { inputArb, numRuns, toWire } from '../domain/arbitraries.js'

const codecs = inputCodecs(defaultLimits)
/** Any input codec, as a decoder of unknown values. */
type Codec = { readonly decode: (u: unknown) => E.Either<unknown, unknown> }

/** A wire input bent the ways a client may bend it: extra fields, fields dropped, emptied or mistyped, keys reordered. */
const wireArb = fc
  .tuple(
    inputArb.map(toWire),
    fc.array(fc.tuple(fc.constantFrom('type', 'at', 'appId', 'deviceId', 'userId', 'token', 'permission', 'osVersion', 'status', 'extra', 'state', 'email'), fc.constantFrom<unknown>(undefined, null, 1, '', 'x', 'ios', [], {}, 'delete')), { maxLength: 3 }),
    fc.boolean(),
  )
  .map(([wire, edits, reverse]) => {
    const bent: Record<string, unknown> = { ...wire }
    for (const [key, value] of edits) {
      if (value === 'delete') delete bent[key]
      else bent[key] = value
    }
    return reverse ? Object.fromEntries(Object.entries(bent).reverse()) : bent
  })

describe('the fast decode path of input codecs (S3)', () => {
  it('S3: decodes exactly what the io-ts codec decodes, key order included, or leaves the input to it', () => {
    fc.assert(
      fc.property(wireArb, (wire) => {
        const codec = codecs[wire['type'] as keyof typeof codecs] as Codec | undefined
        if (codec === undefined) return
        const fast = fastDecodeOf(codec)?.(wire)
        const slow = codec.decode(wire)
        if (fast === undefined) return
        expect(E.isRight(slow)).toBe(true)
        const decoded = (slow as E.Right<unknown>).right
        expect(fast).toStrictEqual(decoded)
        expect(Object.keys(fast as object)).toEqual(Object.keys(decoded as object))
      }),
      { numRuns: numRuns * 5 },
    )
  })

  it('S3: takes every valid input of the vectors format', () => {
    fc.assert(
      fc.property(inputArb.map(toWire), (wire) => {
        const codec = codecs[wire['type'] as keyof typeof codecs] as Codec
        expect(fastDecodeOf(codec)?.(wire)).toBeDefined()
      }),
      { numRuns },
    )
  })
})
