/**
 * What an HTTP error answer carries: where (`body`, `inputs[2].appId`, `headers.authorization`),
 * under which rule (`S3`, `R4`, `R25`, …, or `HTTP` for protocol errors no spec rule covers:
 * unknown route, wrong method, missing key, storage down), and what was wrong. Values are never
 * echoed: they may be tokens or keys (S2).
 */
export interface HttpIssue {
  readonly path: string
  readonly rule: string
  readonly message: string
}

/** A JSON answer with the given status. */
export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  })

/** An error answer `{ error: { path, rule, message } }`. */
export const errorResponse = (status: number, issue: HttpIssue, headers: Record<string, string> = {}): Response =>
  jsonResponse(status, { error: issue }, headers)

/** 413: the body is over the configured limit (S3). */
export const tooLarge = (maxBodyBytes: number): Response =>
  errorResponse(413, { path: 'body', rule: 'S3', message: `a request body holds at most ${maxBodyBytes} bytes` })

/**
 * 401 for a missing, malformed and unknown key alike, so the answer never hints whether a key
 * exists.
 */
export const unauthorized = (): Response =>
  errorResponse(401, { path: 'headers.authorization', rule: 'HTTP', message: 'a valid API key is required' }, { 'www-authenticate': 'Bearer' })

/** 400: a path that is not in normal form (see `isNormalPath`): refused, never reinterpreted. */
export const notNormalPath = (): Response =>
  errorResponse(400, { path: 'url', rule: 'HTTP', message: 'is not in normal form (no empty or dot segments, backslashes or encoded slashes)' })

/**
 * 499 (nginx's "client closed request"): the client closed the connection before its request
 * was read. Never delivered; it is there for the log, which must not count it as a 500.
 */
export const clientClosed = (): Response => errorResponse(499, { path: 'body', rule: 'HTTP', message: 'the client closed the connection mid-request' })
