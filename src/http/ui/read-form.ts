/** A form post's fields, or why it could not be read. */
export type FormResult = { readonly ok: true; readonly fields: URLSearchParams } | { readonly ok: false; readonly status: 413 | 415 | 400 }

/** The page's forms are a few short fields; anything larger is not one of them. */
export const maxFormBytes = 16 * 1024

const isFormType = (contentType: string | null): boolean =>
  contentType !== null && contentType.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded'

/**
 * Reads an `application/x-www-form-urlencoded` body of at most {@link maxFormBytes} bytes
 * (stops reading past it), as sent by the page's plain HTML forms.
 */
export const readForm = async (request: Request): Promise<FormResult> => {
  if (!isFormType(request.headers.get('content-type'))) return { ok: false, status: 415 }
  const declared = Number(request.headers.get('content-length') ?? '0')
  if (Number.isFinite(declared) && declared > maxFormBytes) return { ok: false, status: 413 }
  const chunks: Uint8Array[] = []
  let size = 0
  if (request.body !== null) {
    const reader = request.body.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxFormBytes) {
        await reader.cancel().catch(() => undefined)
        return { ok: false, status: 413 }
      }
      chunks.push(value)
    }
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks))
  } catch {
    return { ok: false, status: 400 }
  }
  return { ok: true, fields: new URLSearchParams(text) }
}
