/**
 * push-registry: the server side of push registration. Which token belongs to which device,
 * app and user; what each token may receive; when a token must stop being used.
 *
 * @module push-registry
 */

export { createRegistry } from './registry/create-registry.js'
export { defaultRecordCacheSize } from './registry/record-cache.js'
export type { AppConfig, PolicyOptions, Registry, RegistryOptions } from './registry/create-registry.js'
export type { IngestReport, Rejection } from './registry/ingest.js'
export type { DispatchStats, Eligibility, IdleTarget, Profile, ReadScope, RegistrationSummary, Target, UserExport } from './registry/queries.js'
export type { RegistryEvents, TokenEvent } from './registry/events.js'
export { profileToJson } from './registry/profile-json.js'
export type { ProfileJson } from './registry/profile-json.js'
export type { ChangeName, ChangesOptions, RegistryChange } from './registry/change-feed.js'
export type { EraseReport } from './registry/erase.js'
export type { DispatchHealth, TokenHealth, TokenHealthOptions } from './registry/token-health.js'
export type { SendRecord, SendRecordReport } from './registry/record-send.js'
export { scanHealthQueries } from './registry/scan-health-queries.js'
export type { HealthQueries } from './registry/scan-health-queries.js'
export { bandOf, compareRecentDispatches, groupOf } from './registry/health-semantics.js'
export { collect } from './registry/query-stream.js'
export type { PagedIterable } from './registry/query-stream.js'
export { scanIndexQueries } from './registry/scan-index-queries.js'
export type { IndexQueries } from './registry/scan-index-queries.js'
export { isActiveMatch, ownersMatch, registrationMatches, userRowOf } from './registry/index-semantics.js'
export { ContentionError, RegistryConfigError, StorageError } from './registry/errors.js'
export { brandErrorClass, errorBrand, isPushRegistryError } from './errors/error-brand.js'
export type { ErrorGuard, PushRegistryErrorName } from './errors/error-brand.js'

export { createDispatcher } from './registry/dispatch/create-dispatcher.js'
export type { Dispatcher, DispatcherOptions, SendRequest, UninstallRequest } from './registry/dispatch/create-dispatcher.js'
export type { Audience } from './registry/dispatch/audience.js'
export type { AnswerClassName, CredentialStop, DispatchReport, Outcome } from './registry/dispatch/dispatch-report.js'
export type { DispatchEventBase, DispatchEventName, DispatchEvents } from './registry/dispatch/events.js'
export type { RetryDecision, RetryPolicy } from './registry/dispatch/retry.js'
export { defaultRetryPolicy, isQuotaExceeded, planRetry } from './registry/dispatch/retry.js'
export type { UninstallReport } from './registry/dispatch/uninstalls.js'
export { DispatchConfigError, DispatchError } from './registry/dispatch/errors.js'

export type { App, Platform, Provider } from './domain/app.js'
export type { AppId, Brand, DeviceId, DispatchId, Instant, UserId } from './domain/brand.js'
export type { Capability } from './domain/capability.js'
export { capabilityOf } from './domain/capability.js'
export type { AnswerClass, AnswerShape } from './domain/answer.js'
export { classifyAnswer, deadEvidenceAt } from './domain/answer.js'
export type { DispatchAnswerCounts } from './domain/dispatch-verdict.js'
export { ambiguousKeptPerDispatch, failedAlike } from './domain/dispatch-verdict.js'
export type { ChangelogEntry, ChangelogKind } from './domain/changelog.js'
export type {
  ApnsEnvironment,
  DeliveryReported,
  DeviceFact,
  Input,
  LoggedOut,
  Permission,
  PromptAnswered,
  PromptResult,
  ProviderAnswer,
  SessionStarted,
  SubscriptionSet,
  SubscriptionState,
  TokenReported,
  Uninstalled,
  UserAttributes,
  UserChanged,
  UserErased,
} from './domain/input.js'
export type { AppPolicy, Duration, OwnershipMode, PolicyOverrides, Staleness } from './domain/policy.js'
export type { PushRegisteredFor } from './domain/liveness.js'
export { defaultStaleness, resolvePolicy } from './domain/policy.js'
export type {
  AmbiguousAnswer,
  ChangelogEntryRecord,
  Claim,
  ContactKind,
  ContactRecord,
  DeliveryEvent,
  DeliveryMarkRecord,
  DispatchRecord,
  DispatchSends,
  EndReason,
  LatestOptIn,
  OptIn,
  RecordKey,
  RecordKind,
  RegistrationRecord,
  RegistrationRef,
  RegistrationView,
  RegistryRecord,
  SendCounts,
  Stamped,
  TokenRecord,
  TokenState,
  UserLink,
  UserLinksRecord,
  UserRecord,
} from './domain/records.js'
export { recordId } from './domain/records.js'
export type { KeptFact } from './domain/repeats.js'
export { recordIdWithin, recordScope } from './domain/record-map.js'
export type { IndexEntry, RegistrationEntry, UserEntry } from './domain/index-entry.js'
export type { CountableChange, CountedGroup, DailyEvent, DailyIncrement, DailyPoint, HealthCells, HealthStatus, RegistrationHealth } from './domain/token-health.js'
export { dailyIncrementsOf, dayOf, healthCapabilities, healthStatuses } from './domain/token-health.js'
export type { SendSummary } from './domain/dispatch-sends.js'
export { sendRunsKept } from './domain/dispatch-sends.js'
export { compareRegistrations, indexEntryOf } from './domain/index-entry.js'
export { canonicalKey } from './domain/order.js'
export type { Segment } from './domain/segment.js'
export type { PushToken, TokenKey, WebPushSubscription } from './domain/token.js'
export { redact, tokenKey } from './domain/token.js'

export type { Issue, RuleId } from './codecs/issue.js'
export type { Limits } from './codecs/limits.js'
export { defaultLimits } from './codecs/limits.js'
export { parseSegment } from './codecs/segment.js'
export { telemetryReady } from './registry/telemetry.js'
export { inputJsonSchemas } from './codecs/input-schemas.js'
export type { JsonSchema } from './codecs/json-schema.js'
export { canonicalEndpoint, endpointProblem } from './codecs/endpoint.js'
export type { EndpointCheck } from './codecs/endpoint.js'

export type { Clock } from './ports/clock.js'
export { fixedClock, systemClock } from './ports/clock.js'
export type {
  ChangeDraft,
  ChangesRequest,
  CommitOptions,
  CommitOutcome,
  CommitRefusal,
  RecordDelete,
  RecordRead,
  RecordWrite,
  ScanPage,
  ScanRequest,
  StorageCapabilities,
  StoragePort,
  StoredChange,
  StoredRecord,
} from './ports/storage.js'
export type { ActiveFilter, IndexPage, RegistrationQuery, UserQuery, UserRow } from './ports/index-queries.js'
export type {
  DailyCount,
  DailyCountDraft,
  DailyCountQuery,
  RecentDispatchQuery,
  RegistrationCount,
  RegistrationCountQuery,
  SummarisedDispatch,
} from './ports/health-queries.js'
export { dailyCountDays } from './ports/health-queries.js'
export type { OutgoingPush, ProviderPort, ProviderReply } from './ports/provider.js'
