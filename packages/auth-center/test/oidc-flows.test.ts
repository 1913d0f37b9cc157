/**
 * End to end: openid-client against a real auth-center process on a real storage process, through the
 * real sign-in and consent pages. Covers discovery, the code flow with PKCE, refresh rotation,
 * introspection, revocation, client credentials and token verification with jose — and the requests that
 * must fail without issuing or changing anything.
 */
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, csrfTokenOf, formAction } from "./support/browser.js";
import {
  authorizationRequest,
  client,
  codeFlowTokens,
  demo,
  discoverConfidentialClient,
  discoverPublicClient,
  importer,
  pantry,
  pantryClient,
  signInAndConsent,
} from "./support/oidc-client.js";
import {
  type AuthCenterProcess,
  type Storage,
  startAuthCenterProcess,
  startStorage,
} from "./support/processes.js";

let storage: Storage;
let auth: AuthCenterProcess;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  storage = await startStorage("auth-center-flows");
  auth = await startAuthCenterProcess(storage);
  jwks = createRemoteJWKSet(new URL("/jwks", auth.issuer));
});

afterAll(async () => {
  await auth?.stop();
  await storage?.stop();
});

async function introspect(token: string) {
  const pantryConfig = await discoverConfidentialClient(auth.issuer, pantryClient.id, pantryClient.secret);
  return client.tokenIntrospection(pantryConfig, token);
}

describe("discovery", () => {
  it("publishes the endpoints, PKCE S256 and the signing algorithm", async () => {
    const config = await discoverPublicClient(auth.issuer);
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(auth.issuer);
    for (const endpoint of [
      "authorization_endpoint",
      "token_endpoint",
      "jwks_uri",
      "userinfo_endpoint",
      "introspection_endpoint",
      "revocation_endpoint",
      "end_session_endpoint",
    ] as const) {
      expect(metadata[endpoint], endpoint).toMatch(/^http:\/\//);
    }
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
    expect(metadata.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]),
    );
    expect(metadata.id_token_signing_alg_values_supported).toEqual(["ES256"]);
  });
});

describe("authorization code flow with PKCE", () => {
  it("issues an ID token and a JWT access token for pantry that verify against the JWKS", async () => {
    const { tokens } = await codeFlowTokens(auth.issuer);
    const claims = tokens.claims();
    expect(claims?.iss).toBe(auth.issuer);

    const idToken = await jwtVerify(tokens.id_token ?? "", jwks, {
      issuer: auth.issuer,
      audience: "recipe-app",
    });
    expect(idToken.payload.sub).toBe(claims?.sub);

    const access = await jwtVerify(tokens.access_token, jwks, {
      issuer: auth.issuer,
      audience: pantry,
      typ: "at+jwt",
    });
    expect(access.payload).toMatchObject({
      sub: claims?.sub,
      client_id: "recipe-app",
      scope: "recipes:read",
    });
    expect(typeof access.payload.jti).toBe("string");
    expect(access.payload.exp).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect(tokens.refresh_token).toBeTruthy();
    expect(decodeProtectedHeader(tokens.access_token).alg).toBe("ES256");
  });

  it("rotates the refresh token and rejects the used one", async () => {
    const { config, tokens } = await codeFlowTokens(auth.issuer);
    const first = tokens.refresh_token ?? "";
    const refreshed = await client.refreshTokenGrant(config, first);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first);
    await jwtVerify(refreshed.access_token, jwks, { issuer: auth.issuer, audience: pantry });

    await expect(client.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: "invalid_grant" });
    // Replaying a used refresh token revokes the whole grant: the newer one is dead too.
    await expect(client.refreshTokenGrant(config, refreshed.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });
    expect((await introspect(refreshed.access_token)).active).toBe(false);
  });

  it("introspects an access token as active, then inactive once revoked", async () => {
    const { config, tokens } = await codeFlowTokens(auth.issuer);
    const active = await introspect(tokens.access_token);
    expect(active).toMatchObject({
      active: true,
      client_id: "recipe-app",
      scope: "recipes:read",
      aud: pantry,
    });
    expect(active.sub).toBe(tokens.claims()?.sub);

    await client.tokenRevocation(config, tokens.access_token);
    expect((await introspect(tokens.access_token)).active).toBe(false);
    // oidc-provider revokes every token of the grant with it, so the refresh token is dead too.
    await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("revoking the refresh token revokes the grant and its access tokens", async () => {
    const { config, tokens } = await codeFlowTokens(auth.issuer);
    await client.tokenRevocation(config, tokens.refresh_token ?? "");
    expect((await introspect(tokens.refresh_token ?? "")).active).toBe(false);
    expect((await introspect(tokens.access_token)).active).toBe(false);
  });

  it("signs out through the end-session page, which ends the session's refresh tokens", async () => {
    const { config, tokens, browser } = await codeFlowTokens(auth.issuer);
    const endSession = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token ?? "",
      post_logout_redirect_uri: "http://127.0.0.1:53682/signed-out",
    });
    const confirm = await browser.get(endSession);
    expect(confirm.body).toContain("Sign out of Recipe App?");
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.body)?.[1] ?? "";
    const action = /id="op.logoutForm" method="post" action="([^"]+)"/.exec(confirm.body)?.[1] ?? "";

    const forged = await browser.post(action, { xsrf: "forged", logout: "yes" });
    expect(forged.status).toBe(400);
    expect((await introspect(tokens.refresh_token ?? "")).active).toBe(true);

    const signedOut = await browser.post(action, { xsrf, logout: "yes" });
    expect(new URL(signedOut.url).pathname).toBe("/signed-out");
    await expect(client.refreshTokenGrant(config, tokens.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("rejects a wrong PKCE verifier without consuming the code", async () => {
    const config = await discoverPublicClient(auth.issuer);
    const attempt = await authorizationRequest(config);
    const callback = await signInAndConsent(new Browser(auth.issuer), attempt.url);
    await expect(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: attempt.state,
      }),
    ).rejects.toMatchObject({ error: "invalid_grant" });
    // Nothing was issued or spent: the right verifier still redeems the code.
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: attempt.verifier,
      expectedState: attempt.state,
    });
    expect(tokens.access_token).toBeTruthy();
  });

  it("rejects a code used twice and revokes the tokens of its first use", async () => {
    const config = await discoverPublicClient(auth.issuer);
    const attempt = await authorizationRequest(config);
    const callback = await signInAndConsent(new Browser(auth.issuer), attempt.url);
    const checks = { pkceCodeVerifier: attempt.verifier, expectedState: attempt.state };
    const first = await client.authorizationCodeGrant(config, callback, checks);
    expect((await introspect(first.access_token)).active).toBe(true);

    await expect(client.authorizationCodeGrant(config, callback, checks)).rejects.toMatchObject({
      error: "invalid_grant",
    });
    expect((await introspect(first.access_token)).active).toBe(false);
    await expect(client.refreshTokenGrant(config, first.refresh_token ?? "")).rejects.toMatchObject({
      error: "invalid_grant",
    });
  });

  it("refuses an unregistered redirect URI without redirecting", async () => {
    const config = await discoverPublicClient(auth.issuer);
    const attempt = await authorizationRequest(config);
    for (const redirectUri of [
      "http://127.0.0.1:53682/elsewhere",
      "https://evil.example/callback",
      "http://localhost:53682/callback",
    ]) {
      const url = new URL(attempt.url);
      url.searchParams.set("redirect_uri", redirectUri);
      const response = await fetch(url, { redirect: "manual" });
      expect(response.status, redirectUri).toBe(400);
      expect(response.headers.get("location"), redirectUri).toBeNull();
      expect(await response.text()).toContain("redirect_uri");
    }
  });

  it("returns access_denied to the app when the person denies consent", async () => {
    const config = await discoverPublicClient(auth.issuer);
    const attempt = await authorizationRequest(config);
    const callback = await signInAndConsent(new Browser(auth.issuer), attempt.url, { decision: "deny" });
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("code")).toBeNull();
    await expect(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: attempt.verifier,
        expectedState: attempt.state,
      }),
    ).rejects.toMatchObject({ error: "access_denied" });
  });

  it("refuses a form post without a valid CSRF token and signs nobody in", async () => {
    const config = await discoverPublicClient(auth.issuer);
    const attempt = await authorizationRequest(config);
    const browser = new Browser(auth.issuer);
    const loginPage = await browser.get(attempt.url);
    const action = formAction(loginPage.body, "/login");

    const withoutToken = await browser.post(action, { email: demo.email, password: demo.password });
    expect(withoutToken.status).toBe(403);
    const forged = await browser.post(action, { csrf: "forged", email: demo.email, password: demo.password });
    expect(forged.status).toBe(403);
    // Still not signed in: the interaction shows the login form again.
    const again = await browser.get(new URL(action.replace(/\/login$/, ""), auth.issuer));
    expect(again.body).toContain('action="' + action + '"');

    // A token minted for another browser's cookie does not transfer.
    const other = new Browser(auth.issuer);
    const otherPage = await other.get((await authorizationRequest(config)).url);
    const stolen = await browser.post(action, {
      csrf: csrfTokenOf(otherPage.body),
      email: demo.email,
      password: demo.password,
    });
    expect(stolen.status).toBe(403);
  });

  it("answers a sign-in page without its interaction cookie with an error page, not a form", async () => {
    const response = await fetch(new URL("/interaction/not-a-real-interaction", auth.issuer));
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain("AUTH_INTERACTION_EXPIRED");
    expect(body).not.toContain('name="csrf"');
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect((await fetch(new URL("/interaction/%3Cscript%3E", auth.issuer))).status).toBe(400);
  });

  it("signs up a new person and lets them in", async () => {
    const config = await discoverPublicClient(auth.issuer);
    const attempt = await authorizationRequest(config);
    const browser = new Browser(auth.issuer);
    const loginPage = await browser.get(attempt.url);
    const signupUrl = /href="(\/interaction\/[^"]+\/signup)"/.exec(loginPage.body)?.[1] ?? "";
    const signupPage = await browser.get(new URL(signupUrl, auth.issuer));
    const email = `cook-${Date.now()}@example.test`;

    const tooShort = await browser.post(formAction(signupPage.body, "/signup"), {
      csrf: csrfTokenOf(signupPage.body),
      email,
      name: "A Cook",
      password: "short",
    });
    expect(tooShort.status).toBe(400);

    const consent = await browser.post(formAction(signupPage.body, "/signup"), {
      csrf: csrfTokenOf(signupPage.body),
      email,
      name: "A Cook",
      password: "a long enough password",
    });
    expect(consent.body).toContain("See your recipes");
    const callback = await browser.post(formAction(consent.body, "/consent"), {
      csrf: csrfTokenOf(consent.body),
      decision: "allow",
    });
    const tokens = await client.authorizationCodeGrant(config, new URL(callback.url), {
      pkceCodeVerifier: attempt.verifier,
      expectedState: attempt.state,
    });
    expect(tokens.claims()?.sub).toBeTruthy();
  });
});

describe("client credentials", () => {
  it("issues a JWT for pantry to a service client", async () => {
    const config = await discoverConfidentialClient(auth.issuer, importer.id, importer.secret);
    const tokens = await client.clientCredentialsGrant(config, { scope: "recipes:read", resource: pantry });
    const { payload } = await jwtVerify(tokens.access_token, jwks, {
      issuer: auth.issuer,
      audience: pantry,
      typ: "at+jwt",
    });
    expect(payload).toMatchObject({ client_id: importer.id, sub: importer.id, scope: "recipes:read" });
    expect((await introspect(tokens.access_token)).active).toBe(true);
  });

  it("refuses a wrong client secret and scopes the client was not given", async () => {
    const wrong = await discoverConfidentialClient(auth.issuer, importer.id, "not-the-secret");
    await expect(
      client.clientCredentialsGrant(wrong, { scope: "recipes:read", resource: pantry }),
    ).rejects.toMatchObject({
      status: 401,
    });
    const noScopes = await discoverConfidentialClient(auth.issuer, pantryClient.id, pantryClient.secret);
    await expect(
      client.clientCredentialsGrant(noScopes, { scope: "recipes:write", resource: pantry }),
    ).rejects.toBeDefined();
  });
});

describe("token verification", () => {
  it("rejects expired, tampered, wrong-audience and wrong-issuer tokens", async () => {
    const config = await discoverConfidentialClient(auth.issuer, importer.id, importer.secret);
    const { access_token: token } = await client.clientCredentialsGrant(config, {
      scope: "recipes:read",
      resource: pantry,
    });
    const { payload } = await jwtVerify(token, jwks, { issuer: auth.issuer, audience: pantry });

    const afterExpiry = new Date(((payload.exp ?? 0) + 60) * 1000);
    await expect(
      jwtVerify(token, jwks, { issuer: auth.issuer, audience: pantry, currentDate: afterExpiry }),
    ).rejects.toMatchObject({
      code: "ERR_JWT_EXPIRED",
    });

    const [header, body, signature] = token.split(".");
    const altered = Buffer.from(JSON.stringify({ ...payload, scope: "recipes:read recipes:write" })).toString(
      "base64url",
    );
    await expect(jwtVerify(`${header}.${altered}.${signature}`, jwks)).rejects.toMatchObject({
      code: "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
    });
    expect(body).not.toBe(altered);

    await expect(
      jwtVerify(token, jwks, { issuer: auth.issuer, audience: "urn:hakobune:elsewhere" }),
    ).rejects.toMatchObject({
      code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
    });
    await expect(
      jwtVerify(token, jwks, { issuer: "http://localhost:1", audience: pantry }),
    ).rejects.toMatchObject({
      code: "ERR_JWT_CLAIM_VALIDATION_FAILED",
    });
  });

  it("does not accept a token signed by another key, nor a bare jti, anywhere", async () => {
    const config = await discoverConfidentialClient(auth.issuer, importer.id, importer.secret);
    const { access_token: token } = await client.clientCredentialsGrant(config, {
      scope: "recipes:read",
      resource: pantry,
    });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: auth.issuer,
      audience: pantry,
    });

    const { privateKey, publicKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT(payload)
      .setProtectedHeader({ ...protectedHeader, alg: "ES256" })
      .sign(privateKey);
    await expect(jwtVerify(forged, jwks)).rejects.toBeDefined();
    expect((await introspect(forged)).active).toBe(false);
    expect(await exportJWK(publicKey)).toBeDefined();

    expect((await introspect(String(payload.jti))).active).toBe(false);
    const userinfo = await fetch(new URL("/me", auth.issuer), {
      headers: { authorization: `Bearer ${payload.jti}` },
    });
    expect(userinfo.status).toBe(401);
  });
});
