import type { App } from './app.js'
import type { AppId, DeviceId, DispatchId, UserId } from './brand.js'
import type { AppPolicy } from './policy.js'
import type {
  ContactKind,
  ContactRecord,
  DeliveryEvent,
  DeliveryMarkRecord,
  DispatchRecord,
  RecordKey,
  RegistrationRecord,
  RegistryRecord,
  TokenRecord,
  UserRecord,
} from './records.js'
import { recordId } from './records.js'
import type { TokenKey } from './token.js'

/** The apps the registry serves and their policies (R4, R5, R10, R12, R19). */
export interface Catalog {
  readonly app: (appId: AppId) => App | undefined
  readonly policy: (appId: AppId) => AppPolicy
}

/** The records an input's transition reads, already loaded by the shell. */
export interface World {
  readonly get: (key: RecordKey) => RegistryRecord | undefined
}

/** Typed reads over a `World`. */
export const reads = (world: World) => ({
  registration: (appId: AppId, deviceId: DeviceId) =>
    world.get({ kind: 'registration', appId, deviceId }) as RegistrationRecord | undefined,
  token: (appId: AppId, key: TokenKey) => world.get({ kind: 'token', appId, key }) as TokenRecord | undefined,
  user: (userId: UserId) => world.get({ kind: 'user', userId }) as UserRecord | undefined,
  dispatch: (appId: AppId, dispatchId: DispatchId) =>
    world.get({ kind: 'dispatch', appId, dispatchId }) as DispatchRecord | undefined,
  contact: (contact: ContactKind, value: string) =>
    world.get({ kind: 'contact', contact, value }) as ContactRecord | undefined,
  deliveryMark: (appId: AppId, dispatchId: DispatchId, deviceId: DeviceId, event: DeliveryEvent) =>
    world.get({ kind: 'delivery', appId, dispatchId, deviceId, event }) as DeliveryMarkRecord | undefined,
})

export type Reads = ReturnType<typeof reads>

/** A world seen through the writes of a transition in progress. */
export class Overlay implements World {
  private readonly writes = new Map<string, RegistryRecord>()
  constructor(private readonly base: World) {}
  readonly get = (key: RecordKey): RegistryRecord | undefined => this.writes.get(recordId(key)) ?? this.base.get(key)
  put(record: RegistryRecord): void {
    this.writes.set(recordId(record), record)
  }
  written(): RegistryRecord[] {
    return [...this.writes.values()]
  }
}
