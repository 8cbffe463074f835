import type { HttpIssue } from './http-error.js'

/** A request body read as JSON, or why it could not be. */
export type BodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly issue: HttpIssue }

const isJsonType = (contentType: string | null): boolean =>
  contentType !== null && contentType.split(';')[0]?.trim().toLowerCase() === 'application/json'

const fail = (status: 400 | 413 | 415, issue: HttpIssue): BodyResult => ({ ok: false, status, issue })

/** Reads at most `max` bytes of a stream; `null` as soon as it holds more (the rest is cancelled, never buffered). */
const readLimited = async (body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> => {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => undefined)
      return null
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/**
 * S3: a JSON body within the size limit. 415 unless the content type is `application/json`,
 * 413 over `max` bytes (checked on `Content-Length` first, then while reading), 400 when the
 * bytes are not UTF-8 JSON.
 */
export const readJsonBody = async (request: Request, max: number): Promise<BodyResult> => {
  if (!isJsonType(request.headers.get('content-type'))) {
    return fail(415, { path: 'headers.content-type', rule: 'S3', message: 'must be application/json' })
  }
  const tooLarge: HttpIssue = { path: 'body', rule: 'S3', message: `a request body holds at most ${max} bytes` }
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (Number.isFinite(declared) && declared > max) return fail(413, tooLarge)
  const bytes = await readLimited(request.body, max)
  if (bytes === null) return fail(413, tooLarge)
  const malformed = fail(400, { path: 'body', rule: 'S3', message: 'is not valid JSON' })
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return malformed
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return malformed
  }
}
