/**
 * Whether a request path is in normal form, the only form the router answers. A proxy in front
 * of the registry that allows or denies by path prefix must see the path the router sees, so
 * every spelling that some parser would rewrite into another path is refused rather than
 * interpreted:
 *
 * - exactly one leading `/` (`//host/…` is a network-path reference to URL parsers), and no
 *   empty segment (`a//b`); a trailing `/` is allowed;
 * - no dot segment (`.`, `..`), in any percent-encoded spelling (`%2e`, `.%2E`, …);
 * - no backslash: some servers and the WHATWG parser read it as `/`;
 * - no control character, space or `#` (the WHATWG parser strips or rewrites them).
 *
 * A percent-encoded `/` (`%2F`) stays allowed inside a segment: the router matches the path
 * before decoding it, so it is data of that one segment (a user id may hold a `/`), never a
 * separator.
 *
 * `path` is the path alone, without the query: the raw request target on `node:http`, the
 * parsed `URL.pathname` on a Fetch runtime.
 */
export const isNormalPath = (path: string): boolean => {
  if (!path.startsWith('/') || /[\\\u0000-\u0020\u007f#]/.test(path)) return false
  const segments = path.slice(1).split('/')
  return segments.every((segment, index) => (segment === '' ? index === segments.length - 1 : !isDotSegment(segment)))
}

const isDotSegment = (segment: string): boolean => /^(\.|%2e){1,2}$/i.test(segment)
