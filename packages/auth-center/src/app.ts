/**
 * Assembles the auth-center: a service-kit app (health, readiness, metrics, logs, graceful shutdown) with
 * oidc-provider mounted for the protocol routes, our own pages for the interactions, the revocation event
 * stream, and every store on one table in the storage service.
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { createService, type Service } from "@hakobune/service-kit";
import type Provider from "oidc-provider";
import { AccountStore } from "./accounts/account-store.js";
import { LoginThrottle } from "./accounts/login-throttle.js";
import type { AuthCenterConfig } from "./config/auth-config.js";
import { readClientsFile } from "./config/clients-file.js";
import { RevocationBroadcaster } from "./events/revocation-broadcaster.js";
import { revocationStreamRoute } from "./events/revocation-stream-route.js";
import { providerRoutes } from "./http/provider-routes.js";
import { CsrfTokens } from "./interactions/csrf.js";
import { interactionRoutes } from "./interactions/interaction-routes.js";
import { loadOrCreateServiceSecrets } from "./keys/service-secrets.js";
import { loadOrCreateSigningKeys } from "./keys/signing-keys.js";
import { type AuthMetrics, createAuthMetrics } from "./metrics/auth-metrics.js";
import { ProviderHolder } from "./provider/provider-holder.js";
import { type AuthTable, openAuthTable } from "./store/auth-table.js";
import { createAdapterClass, structuredTokenModels } from "./store/oidc-adapter.js";
import { type DestroyedArtifact, OidcRecordStore } from "./store/oidc-record-store.js";
import { StructuredTokenHandles } from "./store/structured-token-handles.js";

export interface AuthCenterApp {
  service: Service;
  holder: ProviderHolder;
  accounts: AccountStore;
  broadcaster: RevocationBroadcaster;
  table: AuthTable;
}

export interface BuildAuthCenterOptions {
  /** Passed to createService: `false` silences the log. Default: true. */
  logger?: boolean;
}

export async function buildAuthCenter(
  config: AuthCenterConfig,
  options: BuildAuthCenterOptions = {},
): Promise<AuthCenterApp> {
  const clientsFile = await readClientsFile(config.clientsFile);
  // Storage may still be starting next to us (`hakobune up`, a container's sidecar): wait for it.
  const table = await openAuthTable(config, { waitForStorage: true });
  const secrets = await loadOrCreateServiceSecrets(table, splitList(config.cookieKeys));
  const keySet = await loadOrCreateSigningKeys(table);

  const service = createService({
    name: "auth-center",
    logLevel: config.logLevel,
    bodyLimitBytes: config.bodyLimitBytes,
    logger: options.logger ?? true,
  });
  const metrics = createAuthMetrics(service.registry);
  const broadcaster = new RevocationBroadcaster({
    maxSubscribers: config.maxEventSubscribers,
    onPublish: (event) => metrics.revocations.inc({ kind: event.kind }),
  });
  const store = new OidcRecordStore(table, {
    onDestroyed: (artifact) => announceRevocation(broadcaster, artifact),
  });
  const handles = new StructuredTokenHandles(secrets.tokenHandleKey);
  const accounts = new AccountStore(table);
  const throttle = new LoginThrottle(table, {
    maxFailuresPerAccount: config.maxFailuresPerAccount,
    maxFailuresPerAddress: config.maxFailuresPerAddress,
    windowSeconds: config.throttleWindowSeconds,
  });
  const secureCookies = new URL(config.issuer).protocol === "https:";

  const holder = new ProviderHolder(
    {
      table,
      configuration: {
        config,
        clientsFile,
        adapter: createAdapterClass(store, handles),
        cookieKeys: secrets.cookieKeys,
        accounts,
        store,
      },
      // Secure cookies need the provider to know the request came over TLS, i.e. through a proxy.
      trustProxy: config.trustProxy || secureCookies,
      prepare: (provider) => instrumentProvider(provider, metrics, service),
    },
    keySet,
  );

  const revokeEverythingOf = async (sub: string, reason: "logout-everywhere" | "password-changed") => {
    await store.revokeEverythingOfAccount(sub);
    broadcaster.publish({ kind: "subject", sub, reason });
  };

  service.addReadinessCheck("storage", async () => {
    await table.documents.send(new DescribeTableCommand({ TableName: table.tableName }));
  });
  await service.app.register(providerRoutes, { holder, handles, issuer: config.issuer });
  await service.app.register(interactionRoutes, {
    provider: () => holder.provider,
    accounts,
    throttle,
    csrf: new CsrfTokens(secrets.csrfKey),
    metrics,
    resources: clientsFile.resources,
    secureCookies,
    revokeEverythingOf,
  });
  const closeListeners: (() => void)[] = [];
  await service.app.register(revocationStreamRoute, {
    broadcaster,
    heartbeatMs: config.eventHeartbeatMs,
    onClose: (listener) => closeListeners.push(listener),
  });

  const keyRefresh = setInterval(() => {
    holder.refreshKeys().then(
      (changed) => changed && service.log.info({ activeKeyId: holder.activeKeyId }, "signing keys reloaded"),
      (error: unknown) => service.log.warn({ err: error }, "reading the signing keys failed"),
    );
  }, config.keyRefreshIntervalMs);
  keyRefresh.unref();
  service.app.addHook("preClose", async () => {
    clearInterval(keyRefresh);
    for (const listener of closeListeners) listener();
  });
  service.app.addHook("onClose", async () => table.close());

  return { service, holder, accounts, broadcaster, table };
}

function announceRevocation(broadcaster: RevocationBroadcaster, artifact: DestroyedArtifact) {
  const { model, id, payload } = artifact;
  const text = (name: string) => (typeof payload[name] === "string" ? (payload[name] as string) : undefined);
  if (model === "Grant") {
    broadcaster.publish({ kind: "grant", grantId: id, sub: text("accountId"), clientId: text("clientId") });
  } else if (structuredTokenModels.has(model) && artifact.structured) {
    // Only signed tokens are named by jti: an opaque token's id is the token itself.
    broadcaster.publish({
      kind: "token",
      jti: id,
      grantId: text("grantId"),
      sub: text("accountId") ?? text("clientId"),
      clientId: text("clientId"),
    });
  }
}

function instrumentProvider(provider: Provider, metrics: AuthMetrics, service: Service) {
  provider.on("grant.success", (ctx) => {
    const grant = (ctx as { oidc?: { params?: { grant_type?: unknown } } }).oidc?.params?.grant_type;
    metrics.tokensIssued.inc({ grant: typeof grant === "string" ? grant : "unknown" });
  });
  provider.on("introspection.error", () => metrics.introspections.inc({ result: "error" }));
  provider.on("server_error", (_ctx, error) =>
    service.log.error({ err: error }, "oidc-provider server error"),
  );
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === "introspection" && ctx.status === 200) {
      const active = (ctx.body as { active?: unknown } | undefined)?.active === true;
      metrics.introspections.inc({ result: active ? "active" : "inactive" });
    }
  });
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
