/** Query parameters of a connection string that carry a credential or name a key file. */
const credentialParam = /pass|secret|token|key|cert|crl/i

/**
 * A PostgreSQL connection string fit for a message: the userinfo password and every query
 * parameter that carries a credential (`password`, `sslpassword`, `sslkey`, `sslcert`,
 * `passfile`, …) replaced by `***`. The one mask every message of the command line uses: the
 * listening line, connection errors, the checkpoint's store name. A string that does not
 * parse as a URL is not shown at all.
 */
export const maskConnectionString = (url: string): string => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return '(unparsable URL)'
  }
  if (parsed.password !== '') parsed.password = '***'
  const params = [...parsed.searchParams].map(([name, value]) => `${encodeURIComponent(name)}=${credentialParam.test(name) ? '***' : encodeURIComponent(value)}`)
  parsed.search = params.length === 0 ? '' : `?${params.join('&')}`
  return parsed.toString()
}

/**
 * The secrets a connection string holds (its password and credential parameters, raw and
 * decoded), so that a message a driver wrote about it can be scrubbed of them.
 */
const secretsOf = (url: string): string[] => {
  try {
    const parsed = new URL(url)
    const values = [parsed.password, ...[...parsed.searchParams].filter(([name]) => credentialParam.test(name)).map(([, value]) => value)]
    return [url, ...values.flatMap((v) => [v, safeDecode(v)])].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)
  } catch {
    return url.length >= 3 ? [url] : []
  }
}

const safeDecode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A driver's message with the connection string masked and its secrets replaced by `***`. */
export const scrubConnectionSecrets = (message: string, url: string): string => {
  const masked = maskConnectionString(url)
  return secretsOf(url).reduce((text, secret) => text.split(secret).join(secret === url ? masked : '***'), message)
}
