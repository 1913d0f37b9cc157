/** The real client side of the tests: openid-client against the auth-center, driving its pages. */
import * as client from "openid-client";
import { Browser, csrfTokenOf, formAction } from "./browser.js";

export const pantry = "urn:hakobune:pantry";
export const demo = { email: "demo@hakobune.local", password: "hakobune-demo-password" };
export const importer = { id: "recipe-importer", secret: "recipe-importer-demo-secret-change-me" };
export const pantryClient = { id: "pantry", secret: "pantry-demo-secret-change-me" };

export function discoverPublicClient(issuer: string, clientId = "recipe-app") {
  return client.discovery(new URL(issuer), clientId, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
}

export function discoverConfidentialClient(issuer: string, clientId: string, secret: string) {
  return client.discovery(new URL(issuer), clientId, undefined, client.ClientSecretBasic(secret), {
    execute: [client.allowInsecureRequests],
  });
}

export interface AuthorizationAttempt {
  url: URL;
  verifier: string;
  state: string;
  redirectUri: string;
}

export async function authorizationRequest(
  config: client.Configuration,
  {
    redirectPort = 53682,
    scope = "openid profile email offline_access recipes:read",
    resource = pantry,
  } = {},
): Promise<AuthorizationAttempt> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const redirectUri = `http://127.0.0.1:${redirectPort}/callback`;
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    resource,
    state,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
  return { url, verifier, state, redirectUri };
}

/**
 * Walks the pages as a person would: the login form, then the consent form with `decision`.
 * Returns where the browser is finally sent (the app's redirect URI with the response).
 */
export async function signInAndConsent(
  browser: Browser,
  url: URL,
  { email = demo.email, password = demo.password, decision = "allow" } = {},
): Promise<URL> {
  const loginPage = await browser.get(url);
  if (loginPage.status !== 200) throw new Error(`login page answered ${loginPage.status}: ${loginPage.body}`);
  const afterLogin = await browser.post(formAction(loginPage.body, "/login"), {
    csrf: csrfTokenOf(loginPage.body),
    email,
    password,
  });
  if (afterLogin.status === 0) return new URL(afterLogin.url);
  if (!afterLogin.body.includes('name="decision"'))
    throw new Error(`expected the consent page: ${afterLogin.body}`);
  const afterConsent = await browser.post(formAction(afterLogin.body, "/consent"), {
    csrf: csrfTokenOf(afterLogin.body),
    decision,
  });
  if (afterConsent.status !== 0) throw new Error(`expected a redirect to the app: ${afterConsent.body}`);
  return new URL(afterConsent.url);
}

export async function codeFlowTokens(issuer: string, browser = new Browser(issuer)) {
  const config = await discoverPublicClient(issuer);
  const attempt = await authorizationRequest(config);
  const callback = await signInAndConsent(browser, attempt.url);
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: attempt.verifier,
    expectedState: attempt.state,
  });
  return { config, tokens, browser };
}

export { client };

/** Creates an account through the sign-up page of an authorization request and returns its tokens. */
export async function signUpThroughApp(issuer: string, email: string, password: string) {
  const config = await discoverPublicClient(issuer);
  const attempt = await authorizationRequest(config);
  const browser = new Browser(issuer);
  const loginPage = await browser.get(attempt.url);
  const signupUrl = /href="(\/interaction\/[^"]+\/signup)"/.exec(loginPage.body)?.[1];
  if (!signupUrl) throw new Error(`no sign-up link: ${loginPage.body}`);
  const signupPage = await browser.get(new URL(signupUrl, issuer));
  const consent = await browser.post(formAction(signupPage.body, "/signup"), {
    csrf: csrfTokenOf(signupPage.body),
    email,
    name: "A Cook",
    password,
  });
  const callback = await browser.post(formAction(consent.body, "/consent"), {
    csrf: csrfTokenOf(consent.body),
    decision: "allow",
  });
  const tokens = await client.authorizationCodeGrant(config, new URL(callback.url), {
    pkceCodeVerifier: attempt.verifier,
    expectedState: attempt.state,
  });
  return { config, tokens, browser };
}
