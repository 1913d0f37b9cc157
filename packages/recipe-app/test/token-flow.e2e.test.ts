/**
 * The eight steps of the token flow, end to end, with real processes: storage, auth-center, pantry and
 * the recipe-app command. The test plays the person at the browser: it follows the URL recipe-app prints,
 * signs in and allows on auth-center's pages over HTTP, and lands on recipe-app's loopback listener.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, csrfTokenOf, formAction } from "./support/browser.js";
import {
  demoAccount,
  metricsOf,
  metricValue,
  type Platform,
  recipeImporter,
  startPlatform,
} from "./support/platform.js";
import { type RecipeAppRun, runRecipeApp, startRecipeApp } from "./support/recipe-app-process.js";

let platform: Platform;
let configDir: string;
let app: (args: string[], stdin?: string) => Promise<RecipeAppRun>;
let sessionFile: string;

beforeAll(async () => {
  platform = await startPlatform();
  configDir = await mkdtemp(join(tmpdir(), "recipe-app-config-"));
  sessionFile = join(configDir, "recipe-app-session.json");
  const globalOptions = [
    "--issuer",
    platform.authCenter.issuer,
    "--pantry",
    platform.pantry.url,
    "--config-dir",
    configDir,
  ];
  app = (args, stdin) => runRecipeApp([...globalOptions, "--no-browser", ...args], {}, stdin);
  for (const pantry of [platform.pantry, platform.pantryJwt]) {
    await waitFor("pantry to subscribe to revocation events", async () => {
      return metricValue(await metricsOf(pantry), "resource_revocation_stream_connected") === 1;
    });
  }
}, 120_000);

afterAll(async () => {
  await platform?.stop();
  if (configDir !== undefined) await rm(configDir, { recursive: true, force: true });
});

async function waitFor(what: string, check: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pantryCacheHits = async () =>
  metricValue(await metricsOf(platform.pantry), "resource_verification_cache_total", { result: "hit" });
const pantryCacheMisses = async () =>
  metricValue(await metricsOf(platform.pantry), "resource_verification_cache_total", { result: "miss" });
const pantryVerifications = async () =>
  metricValue(await metricsOf(platform.pantry), "resource_token_verifications_total", {
    mode: "introspection",
    result: "valid",
  });
const authIntrospections = async () =>
  metricValue(await metricsOf(platform.authCenter), "auth_introspections_total", { result: "active" });

async function readSession() {
  return JSON.parse(await readFile(sessionFile, "utf8")) as {
    accessToken: string;
    refreshToken?: string;
    expiresAt: number;
  };
}

async function pantryGet(path: string, accessToken?: string, pantry = platform.pantry) {
  const response = await fetch(`${pantry.url}${path}`, {
    headers: accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` },
  });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads pantry's JSON loosely and asserts on its shape.
  const body: any = await response.json();
  return { status: response.status, challenge: response.headers.get("www-authenticate"), body };
}

/** A client-credentials token of the recipe-importer service (another subject), for pantry, with `scope`. */
async function importerToken(scope: string): Promise<string> {
  const response = await fetch(`${platform.authCenter.url}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${recipeImporter.id}:${recipeImporter.secret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope, resource: "urn:hakobune:pantry" }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

describe("the eight steps", () => {
  let recipeId: string;
  let subject: string;

  it("1-5: the app asks auth-center, which asks the person, who allows; the app gets its tokens", async () => {
    // (1) The person opens the app.
    const login = startRecipeApp(
      [
        "--issuer",
        platform.authCenter.issuer,
        "--pantry",
        platform.pantry.url,
        "--config-dir",
        configDir,
        "login",
      ],
      {},
    );
    // (2) The app asks auth-center for authorisation: code flow, PKCE, state, loopback redirect.
    const authorizationUrl = new URL(await login.firstUrl);
    expect(authorizationUrl.origin).toBe(new URL(platform.authCenter.issuer).origin);
    const params = authorizationUrl.searchParams;
    expect(params.get("response_type")).toBe("code");
    expect(params.get("client_id")).toBe("recipe-app");
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")).toBeTruthy();
    expect(params.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    // (3) auth-center asks the person: the login page, then the consent page.
    const browser = new Browser(platform.authCenter.issuer);
    const loginPage = await browser.get(authorizationUrl.href);
    expect(loginPage.status).toBe(200);
    const consentPage = await browser.post(formAction(loginPage.body, "/login"), {
      csrf: csrfTokenOf(loginPage.body),
      email: demoAccount.email,
      password: demoAccount.password,
    });
    expect(consentPage.body).toContain("See your recipes");
    // (4) The person allows.
    const redirect = await browser.post(formAction(consentPage.body, "/consent"), {
      csrf: csrfTokenOf(consentPage.body),
      decision: "allow",
    });
    expect(redirect.status).toBe(0);
    const callback = new URL(redirect.url);
    expect(callback.origin + callback.pathname).toBe(params.get("redirect_uri"));
    expect(callback.searchParams.get("state")).toBe(params.get("state"));

    // (5) auth-center sends the app an access token: the browser lands on the loopback listener.
    const landing = await fetch(callback);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("signed in");
    const run = await login.done;
    expect(run.exitCode, run.stderr).toBe(0);

    expect((await stat(sessionFile)).mode & 0o777).toBe(0o600);
    const session = await readSession();
    expect(decodeProtectedHeader(session.accessToken).typ).toBe("at+jwt");
    const claims = decodeJwt(session.accessToken);
    expect(claims).toMatchObject({
      iss: platform.authCenter.issuer,
      aud: "urn:hakobune:pantry",
      client_id: "recipe-app",
    });
    expect(String(claims.scope).split(" ")).toEqual(
      expect.arrayContaining(["recipes:read", "recipes:write"]),
    );
    expect(session.refreshToken).toBeTruthy();
    subject = String(claims.sub);
  });

  it("6-8: the app calls pantry, which verifies the token at auth-center once and sends the data", async () => {
    const [missesBefore, hitsBefore, verificationsBefore, introspectionsBefore] = await Promise.all([
      pantryCacheMisses(),
      pantryCacheHits(),
      pantryVerifications(),
      authIntrospections(),
    ]);
    // (6) The app calls pantry with the token.
    const added = await app([
      "recipes",
      "add",
      "--title",
      "Miso soup",
      "--ingredient",
      "dashi=600 ml",
      "--ingredient",
      "spring onion=1",
      "--step",
      "Heat the dashi.",
      "--step",
      "Dissolve the miso.",
      "--tag",
      "soup",
    ]);
    expect(added.exitCode, added.stderr).toBe(0);
    // (8) pantry sends the data.
    const recipe = JSON.parse(added.stdout);
    expect(recipe).toMatchObject({ title: "Miso soup", authorId: subject, version: 1 });
    expect(recipe.ingredients).toEqual([
      { name: "dashi", quantity: 600, unit: "ml" },
      { name: "spring onion", quantity: 1 },
    ]);
    recipeId = recipe.id;
    // (7) pantry verified the token with auth-center: a cache miss, one introspection.
    expect(await pantryCacheMisses()).toBe(missesBefore + 1);
    expect(await pantryVerifications()).toBe(verificationsBefore + 1);
    expect(await authIntrospections()).toBe(introspectionsBefore + 1);
    expect(await pantryCacheHits()).toBe(hitsBefore);

    // The second call is answered from pantry's cache: auth-center is not asked again.
    const shown = await app(["recipes", "show", recipeId]);
    expect(shown.exitCode, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual(recipe);
    expect(await pantryCacheHits()).toBe(hitsBefore + 1);
    expect(await pantryVerifications()).toBe(verificationsBefore + 1);
    expect(await authIntrospections()).toBe(introspectionsBefore + 1);

    const listed = await app(["recipes", "list", "--json"]);
    expect(JSON.parse(listed.stdout).recipes).toEqual([
      expect.objectContaining({ id: recipeId, title: "Miso soup" }),
    ]);
  });

  it("edits with optimistic locking: a stale version is refused and changes nothing", async () => {
    const edited = await app(["recipes", "edit", recipeId, "--title", "Red miso soup"]);
    expect(edited.exitCode, edited.stderr).toBe(0);
    expect(JSON.parse(edited.stdout)).toMatchObject({ title: "Red miso soup", version: 2 });
    const stale = await app(["recipes", "edit", recipeId, "--title", "White miso soup", "--version", "1"]);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toContain("409 RECIPE_VERSION_CONFLICT");
    expect(JSON.parse((await app(["recipes", "show", recipeId])).stdout)).toMatchObject({
      title: "Red miso soup",
      version: 2,
    });
  });

  it("refuses another subject's changes, a token without the scope, and a request without a token", async () => {
    const readOnly = await importerToken("recipes:read");
    const writer = await importerToken("recipes:read recipes:write");
    const before = await pantryGet(`/recipes/${recipeId}`, writer);
    expect(before.status, JSON.stringify(before.body)).toBe(200);

    const foreignEdit = await fetch(`${platform.pantry.url}/recipes/${recipeId}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${writer}`, "content-type": "application/json" },
      body: JSON.stringify({
        title: "Taken",
        ingredients: [{ name: "x", quantity: 1 }],
        steps: ["x"],
        version: 2,
      }),
    });
    expect(foreignEdit.status).toBe(403);
    const foreignDelete = await fetch(`${platform.pantry.url}/recipes/${recipeId}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${writer}` },
    });
    expect(foreignDelete.status).toBe(403);

    const scopeless = await fetch(`${platform.pantry.url}/recipes`, {
      method: "POST",
      headers: { authorization: `Bearer ${readOnly}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Nope", ingredients: [{ name: "x", quantity: 1 }], steps: ["x"] }),
    });
    expect(scopeless.status).toBe(403);
    expect(scopeless.headers.get("www-authenticate")).toContain('error="insufficient_scope"');

    const anonymous = await pantryGet(`/recipes/${recipeId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.challenge).toBe('Bearer realm="urn:hakobune:pantry"');

    expect((await pantryGet(`/recipes/${recipeId}`, writer)).body).toEqual(before.body);
    expect((await pantryGet("/users/recipe-importer/recipes", writer)).body.recipes).toEqual([]);
  });

  it("refreshes an expired access token before calling pantry", async () => {
    const session = await readSession();
    await writeFile(
      sessionFile,
      JSON.stringify({ ...session, expiresAt: Math.floor(Date.now() / 1000) - 1 }),
      { mode: 0o600 },
    );
    const listed = await app(["recipes", "list"]);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toContain("Red miso soup");
    const refreshed = await readSession();
    expect(refreshed.accessToken).not.toBe(session.accessToken);
    expect(refreshed.refreshToken).not.toBe(session.refreshToken);
    expect(refreshed.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it("after logout, the old token is refused although it has not expired", async () => {
    const { accessToken } = await readSession();
    expect((await pantryGet(`/recipes/${recipeId}`, accessToken)).status).toBe(200);
    const verifiedLocally = await pantryGet(`/recipes/${recipeId}`, accessToken, platform.pantryJwt);
    expect(verifiedLocally.status).toBe(200);
    expect(verifiedLocally.body.title).toBe("Red miso soup");
    expect(decodeJwt(accessToken).exp).toBeGreaterThan(Date.now() / 1000 + 60);
    const revocationsApplied = async (pantry: typeof platform.pantry) =>
      metricValue(await metricsOf(pantry), "resource_revocations_applied_total");
    const revocationsBefore = await revocationsApplied(platform.pantry);
    const jwtRevocationsBefore = await revocationsApplied(platform.pantryJwt);

    const logout = await app(["logout"]);
    expect(logout.exitCode, logout.stderr).toBe(0);
    await expect(stat(sessionFile)).rejects.toThrow();
    await waitFor("pantry to apply the revocation", async () => {
      return (
        metricValue(await metricsOf(platform.pantry), "resource_revocations_applied_total") >
        revocationsBefore
      );
    });

    await waitFor("the JWT pantry to apply the revocation", async () => {
      return (await revocationsApplied(platform.pantryJwt)) > jwtRevocationsBefore;
    });

    const refused = await pantryGet(`/recipes/${recipeId}`, accessToken);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toContain('error="invalid_token"');
    // Local verification cannot ask auth-center: the revocation event alone makes it refuse.
    const refusedLocally = await pantryGet(`/recipes/${recipeId}`, accessToken, platform.pantryJwt);
    expect(refusedLocally.status).toBe(401);
    expect(refusedLocally.body.error.details.reason).toBe("revoked");
    const afterwards = await app(["recipes", "list"]);
    expect(afterwards.exitCode).toBe(3);
    expect(afterwards.stderr).toContain("recipe-app login");
  });
});
