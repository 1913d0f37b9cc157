/**
 * End to end, against real processes: signing key rotation, revocation events, password changes and
 * sign-out everywhere, token expiry at introspection, failed-login throttling, and the metrics they leave.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateSigningKeys } from "../src/index.js";
import { Browser, csrfTokenOf, formAction } from "./support/browser.js";
import { openEventStream } from "./support/event-stream.js";
import {
  authorizationRequest,
  client,
  demo,
  discoverConfidentialClient,
  discoverPublicClient,
  importer,
  pantry,
  pantryClient,
  signUpThroughApp,
} from "./support/oidc-client.js";
import {
  type AuthCenterProcess,
  type Storage,
  startAuthCenterProcess,
  startStorage,
} from "./support/processes.js";

let storage: Storage;
/** Normal token lifetimes; reloads keys quickly so that rotation is seen at once. */
let auth: AuthCenterProcess;
/** Three-second client-credentials tokens and low throttling limits, on a table of its own. */
let strict: AuthCenterProcess;
/** Bound on every polling loop below. */
const maxPolls = 100;
const pollIntervalMs = 100;

beforeAll(async () => {
  storage = await startStorage("auth-center-operations");
  [auth, strict] = await Promise.all([
    startAuthCenterProcess(storage, {
      HAKOBUNE_AUTH_KEY_REFRESH_INTERVAL_MS: "200",
      HAKOBUNE_AUTH_EVENT_HEARTBEAT_MS: "200",
    }),
    startAuthCenterProcess(storage, {
      HAKOBUNE_AUTH_TABLE: `${storage.tableName}-strict`,
      HAKOBUNE_AUTH_CLIENT_CREDENTIALS_TTL_SECONDS: "3",
      HAKOBUNE_AUTH_MAX_FAILURES_PER_ACCOUNT: "3",
      HAKOBUNE_AUTH_MAX_FAILURES_PER_ADDRESS: "6",
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([auth?.stop(), strict?.stop()]);
  await storage?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function serviceToken(issuer: string) {
  const config = await discoverConfidentialClient(issuer, importer.id, importer.secret);
  const tokens = await client.clientCredentialsGrant(config, { scope: "recipes:read", resource: pantry });
  return { config, token: tokens.access_token };
}

async function introspect(issuer: string, token: string) {
  const config = await discoverConfidentialClient(issuer, pantryClient.id, pantryClient.secret);
  return client.tokenIntrospection(config, token);
}

async function metricsOf(issuer: string) {
  return (await fetch(new URL("/metrics", issuer))).text();
}

describe("signing key rotation", () => {
  it("signs with the new key while tokens of the old key keep verifying", async () => {
    const { token: oldToken } = await serviceToken(auth.issuer);
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const rotation = await rotateSigningKeys({ env: auth.env });
    expect(rotation.activeKeyId).not.toBe(oldKid);
    expect(rotation.publishedKeyIds).toEqual([rotation.activeKeyId, oldKid]);

    let newToken = "";
    for (
      let poll = 0;
      poll < maxPolls && decodeProtectedHeader(newToken || oldToken).kid !== rotation.activeKeyId;
      poll++
    ) {
      await sleep(pollIntervalMs);
      newToken = (await serviceToken(auth.issuer)).token;
    }
    expect(decodeProtectedHeader(newToken).kid).toBe(rotation.activeKeyId);

    const published = (await (await fetch(new URL("/jwks", auth.issuer))).json()) as {
      keys: { kid: string }[];
    };
    expect(published.keys.map((key) => key.kid)).toEqual([rotation.activeKeyId, oldKid]);
    const jwks = createRemoteJWKSet(new URL("/jwks", auth.issuer));
    await jwtVerify(oldToken, jwks, { issuer: auth.issuer, audience: pantry });
    await jwtVerify(newToken, jwks, { issuer: auth.issuer, audience: pantry });
    expect((await introspect(auth.issuer, oldToken)).active).toBe(true);
  });
});

describe("revocation events", () => {
  it("streams a token revocation, with heartbeats, and replays it after Last-Event-ID", async () => {
    const stream = await openEventStream(new URL("/events/revocations", auth.issuer));
    try {
      const { config, token } = await serviceToken(auth.issuer);
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL("/jwks", auth.issuer)));
      await client.tokenRevocation(config, token);
      const event = await stream.waitFor((candidate) => candidate.data.jti === payload.jti);
      expect(event.event).toBe("revocation");
      expect(event.data).toMatchObject({ kind: "token", clientId: importer.id, sub: importer.id });
      expect(typeof event.data.revokedAt).toBe("number");
      // No opaque credential ever appears in an event.
      expect(JSON.stringify(event.data)).not.toContain(token);

      for (
        let poll = 0;
        poll < maxPolls && !stream.comments.some((line) => line.startsWith("heartbeat"));
        poll++
      ) {
        await sleep(pollIntervalMs);
      }
      expect(stream.comments.some((line) => line.startsWith("heartbeat"))).toBe(true);

      const replay = await openEventStream(new URL("/events/revocations", auth.issuer), {
        "last-event-id": String(Number(event.id) - 1),
      });
      try {
        await replay.waitFor((candidate) => candidate.id === event.id);
      } finally {
        replay.close();
      }
    } finally {
      stream.close();
    }
  });

  it("a password change ends every grant of the person and announces it", async () => {
    const email = `changer-${Date.now()}@example.test`;
    const password = "the first long password";
    const { config, tokens } = await signUpThroughApp(auth.issuer, email, password);
    const sub = tokens.claims()?.sub;
    const { payload } = await jwtVerify(
      tokens.access_token,
      createRemoteJWKSet(new URL("/jwks", auth.issuer)),
    );
    const stream = await openEventStream(new URL("/events/revocations", auth.issuer));
    try {
      const browser = new Browser(auth.issuer);
      const page = await browser.get(new URL("/account", auth.issuer));
      const wrong = await browser.post(formAction(page.body, "/account/password"), {
        csrf: csrfTokenOf(page.body),
        email,
        password: "not the password",
        newPassword: "the second long password",
      });
      expect(wrong.status).toBe(401);
      expect((await introspect(auth.issuer, tokens.access_token)).active).toBe(true);

      const changed = await browser.post(formAction(page.body, "/account/password"), {
        csrf: csrfTokenOf(page.body),
        email,
        password,
        newPassword: "the second long password",
      });
      expect(changed.status).toBe(200);
      await stream.waitFor(
        (event) =>
          event.data.kind === "subject" && event.data.sub === sub && event.data.reason === "password-changed",
      );
      await stream.waitFor((event) => event.data.kind === "token" && event.data.jti === payload.jti);
      await stream.waitFor((event) => event.data.kind === "grant" && event.data.sub === sub);
    } finally {
      stream.close();
    }
    expect((await introspect(auth.issuer, tokens.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });

    const metrics = await metricsOf(auth.issuer);
    expect(metrics).toMatch(/auth_revocations_total\{[^}]*kind="subject"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/auth_tokens_issued_total\{[^}]*grant="client_credentials"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/auth_introspections_total\{[^}]*result="inactive"[^}]*\} [1-9]/);
  });

  it("refuses the account forms without a CSRF token and changes nothing", async () => {
    const email = `keeper-${Date.now()}@example.test`;
    const { tokens } = await signUpThroughApp(auth.issuer, email, "a long enough password");
    const refused = await fetch(new URL("/account/sign-out-everywhere", auth.issuer), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password: "a long enough password" }),
    });
    expect(refused.status).toBe(403);
    expect((await introspect(auth.issuer, tokens.access_token)).active).toBe(true);
  });
});

describe("token expiry", () => {
  it("introspection reports an expired access token inactive", async () => {
    const { token } = await serviceToken(strict.issuer);
    expect((await introspect(strict.issuer, token)).active).toBe(true);
    const { exp = 0 } = await jwtVerify(token, createRemoteJWKSet(new URL("/jwks", strict.issuer))).then(
      (r) => r.payload,
    );
    let active = true;
    for (let poll = 0; poll < maxPolls && active; poll++) {
      await sleep(pollIntervalMs);
      active = (await introspect(strict.issuer, token)).active;
    }
    expect(active).toBe(false);
    expect(Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(exp);
  });
});

describe("failed-login throttling", () => {
  async function tryLogin(email: string, password: string) {
    const config = await discoverPublicClient(strict.issuer);
    const browser = new Browser(strict.issuer);
    const page = await browser.get((await authorizationRequest(config)).url);
    return browser.post(formAction(page.body, "/login"), { csrf: csrfTokenOf(page.body), email, password });
  }

  it("locks an account after repeated failures, even for the right password", async () => {
    const { tokens } = await signUpThroughApp(
      strict.issuer,
      "target@example.test",
      "the right long password",
    );
    expect(tokens.access_token).toBeTruthy();
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await tryLogin("target@example.test", "a wrong guess")).status).toBe(401);
    }
    const locked = await tryLogin("target@example.test", "the right long password");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(locked.body).toContain("Too many failed sign-ins");
  });

  it("throttles an address that guesses across accounts", async () => {
    // Three failures are already counted for this address by the test above; three more reach the limit.
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await tryLogin(`nobody-${attempt}@example.test`, "a wrong guess")).status).toBe(401);
    }
    const blocked = await tryLogin(demo.email, demo.password);
    expect(blocked.status).toBe(429);
    expect(await metricsOf(strict.issuer)).toMatch(/auth_logins_total\{[^}]*result="throttled"[^}]*\} [2-9]/);
  });
});
