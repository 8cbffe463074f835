/**
 * push-registry/http: the registry's HTTP surface as a Fetch handler and a `node:http`
 * listener, with no web framework.
 *
 * @module push-registry/http
 */
export { createHttpHandler } from './create-http-handler.js'
export type { HttpHandler, HttpHandlerOptions } from './create-http-handler.js'
export type { ApiKeys } from './api-keys.js'
export type { HttpIssue } from './http-error.js'
export type { HttpLimits } from './limits.js'
export { defaultHttpLimits } from './limits.js'
export type { UiOptions } from './ui/ui-options.js'
export { UiConfigError } from './ui/ui-config-error.js'
export type { SignInLimits } from './ui/sign-in-limiter.js'
export { defaultSignInLimits } from './ui/sign-in-limiter.js'
