// Public API of the cloud client. Activities program against the `CloudApi` type (types.ts); the worker builds
// one client from the OpenStack-style configuration.
export * from './types';
export { CloudClient, createCloudClient, type CloudClientOptions } from './client';
export {
  loadCloudConfig,
  describeCloudConfig,
  Secret,
  type CloudConfig,
  type LoadCloudConfigOptions,
  type PasswordAuthConfig,
  type AkSkAuthConfig,
  type ServiceKey,
  type EndpointInterface,
} from './config';
export {
  CloudError,
  CloudTransportError,
  CloudTimeoutError,
  CloudConnectionError,
  CloudAbortError,
  CloudConfigError,
  CloudRequestError,
  EndpointNotFoundError,
  ResponseFormatError,
  classify,
  isStatus,
  isCode,
  isAuthFailure,
  parseErrorBody,
  type Classification,
  type ErrorKind,
  type TransportKind,
} from './errors';
export {
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_CONNECTIONS,
  USER_AGENT,
  type AttemptInfo,
  type AttemptOutcome,
  type CloudLogger,
  type HttpObserver,
  type RetryPolicy,
} from './http';
export { DEFAULT_RATE_LIMIT, TokenBucket, type RateLimit } from './ratelimit';
export { OPS, type OpName, type ServiceName } from './ops';
export { sign, sdkDate, type SignResult } from './signer';
export {
  CINDER_DISK_FORMATS,
  DEFAULT_DISK_FORMAT_OF,
  detectProfile,
  PROFILES,
  PROFILE_SETTINGS,
  SERVICE_LABELS,
  type CinderDiskFormat,
  type Profile,
} from './profile';
