/**
 * @hakobune/auth-center: the OAuth 2.0 authorization server and OpenID Connect provider. Other packages
 * import only from here.
 */
export type { AuthCenterConfig } from "./config/auth-config.js";
export { defaultAuthPort, defaultIssuer, loadAuthCenterConfig } from "./config/auth-config.js";
export type { ClientMetadata, ClientsFile, ResourceDefinition } from "./config/clients-file.js";
export { parseClientsFile, readClientsFile } from "./config/clients-file.js";
export {
  AccountExistsError,
  AccountInputError,
  ArtifactReplayedError,
  AuthCenterError,
  ClientsFileError,
  ConcurrentUpdateError,
  InteractionExpiredError,
  TooManySubscribersError,
} from "./errors.js";
export type { RevocationEvent, RevocationKind } from "./events/revocation-broadcaster.js";
export { revocationStreamPath } from "./events/revocation-stream-route.js";
export { demoAccount } from "./seed/demo-seed.js";
export type {
  AuthCenterOptions,
  RunningAuthCenter,
  SigningKeyRotation,
  StartAuthCenterOptions,
} from "./start-auth-center.js";
export { rotateSigningKeys, seedDemo, startAuthCenter } from "./start-auth-center.js";
