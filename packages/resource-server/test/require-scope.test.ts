import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { metricValue, type ProtectedService, startProtectedService } from "./support/protected-service.js";
import { TestAuthorizationServer } from "./support/test-authorization-server.js";
import { waitFor } from "./support/wait-for.js";

let authorizationServer: TestAuthorizationServer;
let service: ProtectedService | undefined;

beforeEach(async () => {
  authorizationServer = await new TestAuthorizationServer().start();
});

afterEach(async () => {
  await service?.close();
  service = undefined;
  await authorizationServer.close();
});

const bearer = (token: string) => `Bearer ${token}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe.each(["jwt", "introspection"] as const)("in %s mode", (mode) => {
  beforeEach(async () => {
    service = await startProtectedService(authorizationServer, { mode });
  });

  it("admits a valid token holding the scope and hands its facts to the handler", async () => {
    const response = await service!.get("/read", bearer(await authorizationServer.sign()));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ subject: "user-1", scopes: ["recipes:read", "recipes:write"] });
  });

  it("refuses a request without a token with 401 and a bare challenge", async () => {
    const response = await service!.get("/read");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="urn:test:resource"');
    expect(response.body.error.code).toBe("TOKEN_MISSING");
  });

  it("refuses a malformed Authorization header with 400 invalid_request", async () => {
    const response = await service!.get("/read", "Basic dXNlcjpwYXNz");
    expect(response.status).toBe(400);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_request"');
  });

  it.each([
    ["an expired token", { claims: { iat: nowSeconds() - 700, exp: nowSeconds() - 100 } }],
    ["a token for another audience", { claims: { aud: "urn:test:other" } }],
    ["a token from another issuer", { claims: { iss: "http://127.0.0.1:1" } }],
  ])("refuses %s with 401 invalid_token", async (_, options) => {
    const response = await service!.get("/read", bearer(await authorizationServer.sign(options)));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(response.body.error.code).toBe("INVALID_TOKEN");
  });

  it("refuses a token the authorization server never issued", async () => {
    const token = await authorizationServer.sign({ unpublishedKey: true });
    authorizationServer.revoke(token);
    const response = await service!.get("/read", bearer(token));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses a token lacking a required scope with 403 insufficient_scope", async () => {
    const response = await service!.get("/write", bearer(await authorizationServer.sign()));
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain(
      'error="insufficient_scope", error_description="This request needs the scopes recipes:write admin.", scope="recipes:write admin"',
    );
    expect(response.body.error).toMatchObject({
      code: "INSUFFICIENT_SCOPE",
      details: { requiredScopes: ["recipes:write", "admin"] },
    });
  });

  it("verifies a token once, then answers from the cache", async () => {
    await waitFor("the revocation stream", () => service!.resourceServer.revocationStreamConnected);
    const token = bearer(await authorizationServer.sign());
    const introspectionsBefore = authorizationServer.requests.introspection;
    expect((await service!.get("/read", token)).status).toBe(200);
    expect((await service!.get("/read", token)).status).toBe(200);
    expect((await service!.get("/write", token)).status).toBe(403);
    const metrics = await service!.metrics();
    expect(metricValue(metrics, "resource_token_verifications_total", { mode, result: "valid" })).toBe(1);
    expect(metricValue(metrics, "resource_verification_cache_total", { result: "miss" })).toBe(1);
    expect(metricValue(metrics, "resource_verification_cache_total", { result: "hit" })).toBe(2);
    expect(
      metricValue(metrics, "resource_verification_cache_total", { service: "protected" }),
    ).toBeGreaterThan(0);
    const introspections = authorizationServer.requests.introspection - introspectionsBefore;
    expect(introspections).toBe(mode === "introspection" ? 1 : 0);
  });

  it("verifies concurrent requests with one new token once", async () => {
    await waitFor("the revocation stream", () => service!.resourceServer.revocationStreamConnected);
    const token = bearer(await authorizationServer.sign());
    const responses = await Promise.all(Array.from({ length: 10 }, () => service!.get("/read", token)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const metrics = await service!.metrics();
    expect(metricValue(metrics, "resource_token_verifications_total", { mode, result: "valid" })).toBe(1);
  });

  it.each([
    ["token", (claims: Record<string, unknown>) => ({ kind: "token", jti: claims.jti })],
    ["subject", (claims: Record<string, unknown>) => ({ kind: "subject", sub: claims.sub })],
    [
      "grant",
      (claims: Record<string, unknown>) => ({ kind: "grant", grantId: claims.grant_id, sub: claims.sub }),
    ],
  ])("refuses a cached token at once after a %s revocation event", async (_, eventFor) => {
    await waitFor("the revocation stream", () => service!.resourceServer.revocationStreamConnected);
    const claims = { jti: `j-${Math.random()}`, grant_id: "g-1", sub: "user-1", iat: nowSeconds() - 5 };
    const token = await authorizationServer.sign({ claims });
    const other = await authorizationServer.sign({ claims: { sub: "user-2" } });
    expect((await service!.get("/read", bearer(token))).status).toBe(200);
    expect((await service!.get("/read", bearer(other))).status).toBe(200);
    authorizationServer.revoke(token);
    authorizationServer.publish({ ...eventFor(claims), revokedAt: nowSeconds() });
    await waitFor(
      "the revocation to apply",
      async () => metricValue(await service!.metrics(), "resource_revocations_applied_total") > 0,
    );
    const refused = await service!.get("/read", bearer(token));
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await service!.get("/read", bearer(other))).status).toBe(200);
  });

  it("answers 503 without a challenge while the authorization server is down", async () => {
    authorizationServer.setUnavailable(true);
    const response = await service!.get("/read", bearer(await authorizationServer.sign()));
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(response.body.error.code).toBe("TOKEN_VERIFIER_UNAVAILABLE");
  });
});

describe("the revocation stream", () => {
  it("reconnects with Last-Event-ID, and trusts no cached verification while it is down", async () => {
    service = await startProtectedService(authorizationServer, {
      mode: "introspection",
      cache: { degradedMaxAgeMs: 0 },
    });
    await waitFor("the revocation stream", () => service!.resourceServer.revocationStreamConnected);
    const eventId = authorizationServer.publish({ kind: "token", jti: "unrelated", revokedAt: nowSeconds() });
    await waitFor(
      "the event",
      async () => metricValue(await service!.metrics(), "resource_revocations_applied_total") > 0,
    );
    const token = bearer(await authorizationServer.sign());
    await service.get("/read", token);
    await service.get("/read", token);
    expect(authorizationServer.requests.introspection).toBe(1);

    authorizationServer.setUnavailable(true);
    await waitFor("the stream to drop", () => !service!.resourceServer.revocationStreamConnected);
    expect(metricValue(await service.metrics(), "resource_revocation_stream_connected")).toBe(0);
    authorizationServer.setUnavailable(false);
    await waitFor("the stream to return", () => service!.resourceServer.revocationStreamConnected);
    expect(authorizationServer.lastEventIdsSeen.at(-1)).toBe(String(eventId));
    expect(metricValue(await service.metrics(), "resource_revocation_stream_connected")).toBe(1);

    // Reconnecting forgets what was verified before: the next call verifies again.
    await service.get("/read", token);
    expect(authorizationServer.requests.introspection).toBe(2);
  });

  it("while down, re-verifies entries older than the degraded maximum age", async () => {
    service = await startProtectedService(authorizationServer, {
      mode: "introspection",
      revocationEventsUrl: `${authorizationServer.issuer}/no-such-stream`,
      cache: { degradedMaxAgeMs: 0 },
    });
    const token = bearer(await authorizationServer.sign());
    expect((await service.get("/read", token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await service.get("/read", token)).status).toBe(200);
    expect(authorizationServer.requests.introspection).toBe(2);
    expect(service.resourceServer.revocationStreamConnected).toBe(false);
  });
});

describe("JWKS", () => {
  it("refetches the key set when a token names an unknown kid", async () => {
    service = await startProtectedService(authorizationServer, { mode: "jwt", jwksCooldownMs: 0 });
    expect((await service.get("/read", bearer(await authorizationServer.sign()))).status).toBe(200);
    expect(authorizationServer.requests.jwks).toBe(1);
    await authorizationServer.rotateKeys();
    expect((await service.get("/read", bearer(await authorizationServer.sign()))).status).toBe(200);
    expect(authorizationServer.requests.jwks).toBe(2);
  });

  it("refetches no more often than the cooldown allows", async () => {
    service = await startProtectedService(authorizationServer, { mode: "jwt", jwksCooldownMs: 600_000 });
    expect((await service.get("/read", bearer(await authorizationServer.sign()))).status).toBe(200);
    for (let attempt = 0; attempt < 5; attempt++) {
      const forged = await authorizationServer.sign({ unpublishedKey: true });
      expect((await service.get("/read", bearer(forged))).status).toBe(401);
    }
    expect(authorizationServer.requests.jwks).toBe(1);
  });

  it("refuses a JWT whose typ is not at+jwt (an ID token, say)", async () => {
    service = await startProtectedService(authorizationServer, { mode: "jwt" });
    const response = await service.get("/read", bearer(await authorizationServer.sign({ typ: "JWT" })));
    expect(response.status).toBe(401);
  });
});

describe("introspection", () => {
  it("takes a client-credentials token's client as its subject when the response names none", async () => {
    service = await startProtectedService(authorizationServer, { mode: "introspection" });
    const token = await authorizationServer.sign({ claims: { sub: undefined, client_id: "importer" } });
    const response = await service.get("/read", bearer(token));
    expect(response.status).toBe(200);
    expect(response.body.subject).toBe("importer");
  });

  it("refuses a token naming neither subject nor client", async () => {
    service = await startProtectedService(authorizationServer, { mode: "introspection" });
    const token = await authorizationServer.sign({ claims: { sub: undefined, client_id: undefined } });
    expect((await service.get("/read", bearer(token))).status).toBe(401);
  });

  it("refuses a token the authorization server reports inactive", async () => {
    service = await startProtectedService(authorizationServer, { mode: "introspection" });
    const token = await authorizationServer.sign();
    authorizationServer.revoke(token);
    const response = await service.get("/read", bearer(token));
    expect(response.status).toBe(401);
    expect(response.body.error.details).toEqual({ reason: "inactive" });
  });

  it("reports wrong client credentials as the verifier being unavailable, not as the token's fault", async () => {
    service = await startProtectedService(authorizationServer, {
      mode: "introspection",
      clientSecret: "wrong",
    });
    const response = await service.get("/read", bearer(await authorizationServer.sign()));
    expect(response.status).toBe(503);
  });
});
