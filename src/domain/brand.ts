declare const brand: unique symbol

/**
 * A nominal type: a `Brand<string, 'AppId'>` is a string that cannot be passed where a
 * `DeviceId` is expected. Values are branded only by the codecs at the boundary.
 */
export type Brand<A, Name extends string> = A & { readonly [brand]: Name }

/** An application on one platform (R4: every record is scoped by it). */
export type AppId = Brand<string, 'AppId'>
/** One installation of one app, named by the client SDK. */
export type DeviceId = Brand<string, 'DeviceId'>
/** An external user id, as the host application names its users. */
export type UserId = Brand<string, 'UserId'>
/** Identifies one send, so that answers and delivery reports can be grouped (D6). */
export type DispatchId = Brand<string, 'DispatchId'>
/** Milliseconds since the Unix epoch, UTC. Every input carries one (R20). */
export type Instant = Brand<number, 'Instant'>

/** Brands a number of milliseconds; the codecs check it is a finite integer first. */
export const instant = (ms: number): Instant => ms as Instant
