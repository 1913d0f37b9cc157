/**
 * oidc-provider's configuration for the auth-center: code flow with PKCE (S256, required for every
 * client), refresh tokens with rotation on every use, client credentials, introspection, revocation,
 * RP-initiated logout, and JWT access tokens (RFC 9068) for the resources declared in the clients file.
 * Everything the provider stores goes through our storage adapter.
 */
import type { AdapterConstructor, Configuration } from "oidc-provider";
import { errors } from "oidc-provider";
import type { AccountStore } from "../accounts/account-store.js";
import type { AuthCenterConfig } from "../config/auth-config.js";
import type { ClientsFile, ResourceDefinition } from "../config/clients-file.js";
import { errorPage, logoutPage, messagePage } from "../interactions/pages.js";
import { signingAlgorithm } from "../keys/signing-keys.js";
import type { OidcRecordStore } from "../store/oidc-record-store.js";
import { openIdClaims, openIdScopes } from "./scope-descriptions.js";

export interface ProviderConfigurationInput {
  config: AuthCenterConfig;
  clientsFile: ClientsFile;
  adapter: AdapterConstructor;
  jwks: { keys: unknown[] };
  cookieKeys: string[];
  accounts: AccountStore;
  store: OidcRecordStore;
}

/** The parts of oidc-provider's request context our callbacks read. */
interface ProviderContext {
  oidc: {
    params?: Record<string, unknown>;
    client?: { clientId: string; clientName?: string; scope?: string };
  };
  type: string;
  body: unknown;
  host: string;
}

interface TokenForCustomizer {
  kind: string;
  clientId?: string;
  grantId?: string;
  accountId?: string;
  scope?: string;
  sid?: string;
  sessionUid?: string;
  expiresWithSession?: boolean;
  gty?: string;
  aud?: string | string[];
  extra?: unknown;
  jkt?: string;
  "x5t#S256"?: string;
}

export function providerConfiguration(input: ProviderConfigurationInput): Configuration {
  const { config, clientsFile, accounts, store } = input;
  const secureCookies = new URL(config.issuer).protocol === "https:";
  const cookieOptions = { httpOnly: true, sameSite: "lax", secure: secureCookies };

  return {
    adapter: input.adapter,
    clients: clientsFile.clients,
    jwks: input.jwks,
    cookies: { keys: input.cookieKeys, long: cookieOptions, short: cookieOptions },
    // Clients' `scope` metadata may only name supported scopes, so the resources' scopes are listed too.
    scopes: [
      ...Object.keys(openIdScopes),
      ...clientsFile.resources.flatMap((resource) => Object.keys(resource.scopes)),
    ],
    claims: openIdClaims,
    responseTypes: ["code"],
    clientDefaults: {
      grant_types: ["authorization_code"],
      response_types: ["code"],
      id_token_signed_response_alg: signingAlgorithm,
      token_endpoint_auth_method: "client_secret_basic",
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx: ProviderContext, form: string) => {
          ctx.type = "html";
          ctx.body = logoutPage(form, ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId);
        },
        postLogoutSuccessSource: (ctx: ProviderContext) => {
          ctx.type = "html";
          ctx.body = messagePage("Signed out", "You are signed out. You can close this page.");
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx: ProviderContext, _client: unknown, oneOf?: string[]) =>
          oneOf ?? resourceForRequestedScopes(ctx, clientsFile.resources),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: ProviderContext, indicator: string, client: { scope?: string }) =>
          resourceServerInfo(indicator, client, clientsFile.resources, config),
      },
    },
    formats: {
      customizers: {
        // JWT access tokens are not stored by oidc-provider; we record them so that introspection and
        // revocation can answer for them (see StructuredTokenHandles).
        jwt: async (_ctx: unknown, token: TokenForCustomizer, jwt: { payload: Record<string, unknown> }) => {
          const { jti, iat, exp } = jwt.payload;
          if (typeof jti !== "string" || typeof exp !== "number") return;
          await store.upsert(
            token.kind,
            jti,
            {
              jti,
              iat,
              exp,
              kind: token.kind,
              clientId: token.clientId,
              grantId: token.grantId,
              accountId: token.accountId,
              scope: token.scope,
              sid: token.sid,
              sessionUid: token.sessionUid,
              expiresWithSession: token.expiresWithSession,
              gty: token.gty,
              aud: token.aud,
              extra: token.extra,
              jkt: token.jkt,
              "x5t#S256": token["x5t#S256"],
            },
            Math.max(1, exp - Math.floor(Date.now() / 1000)),
            { structured: true },
          );
        },
      },
    },
    ttl: {
      AccessToken: config.accessTokenTtlSeconds,
      ClientCredentials: config.clientCredentialsTtlSeconds,
      IdToken: config.idTokenTtlSeconds,
      RefreshToken: config.refreshTokenTtlSeconds,
      AuthorizationCode: config.authorizationCodeTtlSeconds,
      Session: config.sessionTtlSeconds,
      Grant: config.refreshTokenTtlSeconds,
      Interaction: config.interactionTtlSeconds,
    },
    // Every use of a refresh token yields a new one; the used one is then rejected (and, if replayed,
    // its whole grant is revoked by oidc-provider).
    rotateRefreshToken: () => true,
    // Apps that may refresh get a refresh token. Without offline_access it is bound to the session and
    // dies with it (sign-out); with offline_access (which requires prompt=consent) it outlives it.
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed("refresh_token"),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = await accounts.findBySubject(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        claims: () => ({ sub: account.sub, name: account.name, email: account.email, email_verified: false }),
      };
    },
    renderError: (ctx: ProviderContext, out: { error?: string; error_description?: string }) => {
      ctx.type = "html";
      ctx.body = errorPage("Something went wrong", { error: out.error, description: out.error_description });
    },
  };
}

/**
 * Public clients may introspect only their own tokens; confidential clients (resource servers such as
 * pantry, other services) may introspect any token issued by this provider.
 */
function introspectionAllowed(
  ctx: ProviderContext,
  client: { clientAuthMethod: string; clientId: string },
  token: { clientId?: string },
) {
  return client.clientAuthMethod !== "none" || token.clientId === ctx.oidc.client?.clientId;
}

/**
 * A client may revoke only tokens issued to it. Another client's token is an error for a confidential
 * client and silently ignored for a public one (which cannot prove who it is).
 */
function revocationAllowed(
  _ctx: ProviderContext,
  client: { clientAuthMethod: string; clientId: string },
  token: { clientId?: string },
) {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === "none") return false;
  throw new errors.InvalidRequest("client is not authorized to revoke the presented token");
}

/** Without a `resource` parameter, a request for one resource's scopes is a request for that resource. */
function resourceForRequestedScopes(ctx: ProviderContext, resources: readonly ResourceDefinition[]) {
  const requested = String(ctx.oidc.params?.scope ?? "").split(" ");
  const matching = resources.filter((resource) => requested.some((scope) => scope in resource.scopes));
  return matching.length === 1 ? matching[0]?.identifier : undefined;
}

function resourceServerInfo(
  indicator: string,
  client: { scope?: string },
  resources: readonly ResourceDefinition[],
  config: AuthCenterConfig,
) {
  const resource = resources.find((candidate) => candidate.identifier === indicator);
  const clientScopes = new Set((client.scope ?? "").split(" "));
  const allowed = Object.keys(resource?.scopes ?? {}).filter((scope) => clientScopes.has(scope));
  if (!resource || allowed.length === 0) throw new errors.InvalidTarget();
  return {
    scope: allowed.join(" "),
    audience: resource.identifier,
    accessTokenTTL: config.accessTokenTtlSeconds,
    accessTokenFormat: "jwt",
    jwt: { sign: { alg: signingAlgorithm } },
  };
}
