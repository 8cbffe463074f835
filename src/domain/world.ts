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
  UserLinksRecord,
  UserRecord,
} from './records.js'
import { RecordMap } from './record-map.js'
import type { ReleaseDispatchRecord } from './release-001.js'
import { currentDispatch } from './release-001.js'
import type { TokenKey } from './token.js'

/** The apps the registry serves and their policies (R4, R5, R10, R12, R19). */
export interface Catalog {
  readonly app: (appId: AppId) => App | undefined
  readonly policy: (appId: AppId) => AppPolicy
}

/** The records an input's transition reads, already loaded by the shell. */
export interface World {
  readonly get: (key: RecordKey) => RegistryRecord | undefined
  /**
   * Whether the record was loaded (present or absent), for a world that loads as it goes;
   * a world that holds everything it will ever hold leaves it out.
   */
  readonly has?: (key: RecordKey) => boolean
}

/**
 * Typed reads over a `World`. A class rather than an object of closures: transitions ask for
 * typed reads dozens of times per input, and an instance is one small allocation.
 */
class TypedReads {
  constructor(private readonly world: World) {}
  registration(appId: AppId, deviceId: DeviceId): RegistrationRecord | undefined {
    return this.world.get({ kind: 'registration', appId, deviceId }) as RegistrationRecord | undefined
  }
  token(appId: AppId, key: TokenKey): TokenRecord | undefined {
    return this.world.get({ kind: 'token', appId, key }) as TokenRecord | undefined
  }
  user(userId: UserId): UserRecord | undefined {
    return this.world.get({ kind: 'user', userId }) as UserRecord | undefined
  }
  /** In today's shape, whatever release wrote it (`release-001.ts`). */
  dispatch(appId: AppId, dispatchId: DispatchId): DispatchRecord | undefined {
    const stored = this.world.get({ kind: 'dispatch', appId, dispatchId }) as DispatchRecord | ReleaseDispatchRecord | undefined
    return stored === undefined ? undefined : currentDispatch(stored)
  }
  contact(contact: ContactKind, value: string): ContactRecord | undefined {
    return this.world.get({ kind: 'contact', contact, value }) as ContactRecord | undefined
  }
  deliveryMark(appId: AppId, dispatchId: DispatchId, deviceId: DeviceId, event: DeliveryEvent): DeliveryMarkRecord | undefined {
    return this.world.get({ kind: 'delivery', appId, dispatchId, deviceId, event }) as DeliveryMarkRecord | undefined
  }
  links(userId: UserId, node: string): UserLinksRecord | undefined {
    return this.world.get({ kind: 'links', userId, node }) as UserLinksRecord | undefined
  }
}

/** Typed reads over a `World`. */
export type Reads = Pick<TypedReads, 'registration' | 'token' | 'user' | 'dispatch' | 'contact' | 'deliveryMark' | 'links'>

/** Typed reads over a `World`. */
export const reads = (world: World): Reads => new TypedReads(world)

/** A world seen through the writes of a transition in progress. */
export class Overlay implements World {
  private readonly writes = new RecordMap<RegistryRecord>()
  constructor(private readonly base: World) {}
  readonly get = (key: RecordKey): RegistryRecord | undefined => this.writes.get(key) ?? this.base.get(key)
  put(record: RegistryRecord): void {
    this.writes.set(record, record)
  }
  written(): RegistryRecord[] {
    return [...this.writes.values()]
  }
}
