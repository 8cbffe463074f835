/**
 * RFC 8291 §4: the largest plaintext that fits the 4,096-byte body push services must accept
 * (4,096 − 86 bytes of header − 16 of tag − 1 padding delimiter).
 */
export const maxPlaintextBytes = 3993

/**
 * The bytes a payload is sent as: a string as UTF-8, bytes as they are, `undefined`/`null` as
 * no body at all (a push without data, RFC 8030 §5), anything else as its JSON text.
 * `undefined` is returned for a value JSON cannot encode (a function, a cycle, a BigInt).
 */
export const payloadBytes = (payload: unknown): Buffer | undefined => {
  if (payload === undefined || payload === null) return Buffer.alloc(0)
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  try {
    const text = JSON.stringify(payload)
    return typeof text === 'string' ? Buffer.from(text, 'utf8') : undefined
  } catch {
    return undefined
  }
}

/**
 * The send's `dispatchId` added to a JSON object payload (unless it names one itself), so the
 * service worker can report `delivery_reported` for this dispatch. Strings and bytes are the
 * host's own format and go as they are.
 */
export const withDispatchId = (payload: unknown, dispatchId: string | undefined): unknown => {
  if (dispatchId === undefined || typeof payload !== 'object' || payload === null) return payload
  if (Array.isArray(payload) || payload instanceof Uint8Array || 'dispatchId' in payload) return payload
  return { ...payload, dispatchId }
}
