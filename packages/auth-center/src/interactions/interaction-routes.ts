/**
 * The auth-center's own pages, behind oidc-provider's interactions: sign in, sign up, consent (Allow /
 * Deny) and cancel, plus the account page (change password, sign out everywhere). Every form carries a
 * CSRF token; every password check goes through the login throttle.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type Provider from "oidc-provider";
import type { InteractionDetails } from "oidc-provider";
import type { AccountStore } from "../accounts/account-store.js";
import type { LoginThrottle } from "../accounts/login-throttle.js";
import type { ResourceDefinition } from "../config/clients-file.js";
import {
  AccountExistsError,
  AccountInputError,
  AuthCenterError,
  InteractionExpiredError,
} from "../errors.js";
import { readCookie, serializeCookie } from "../http/cookies.js";
import { sendPage } from "../http/page-headers.js";
import type { AuthMetrics } from "../metrics/auth-metrics.js";
import { describeScopes } from "../provider/scope-descriptions.js";
import { type CsrfTokens, csrfCookieName } from "./csrf.js";
import { stylesheet, stylesheetPath } from "./html.js";
import { accountPage, consentPage, errorPage, loginPage, signupPage } from "./pages.js";

export interface InteractionRoutesOptions {
  provider: () => Provider;
  accounts: AccountStore;
  throttle: LoginThrottle;
  csrf: CsrfTokens;
  metrics: AuthMetrics;
  resources: readonly ResourceDefinition[];
  secureCookies: boolean;
  /** Ends every session and grant of the account and announces it. */
  revokeEverythingOf: (sub: string, reason: "logout-everywhere" | "password-changed") => Promise<void>;
}

/** Bound on every form body: these forms hold a few short fields. */
const maxFormBytes = 16 * 1024;
const csrfCookieLifetimeSeconds = 24 * 60 * 60;

const uidParams = {
  type: "object",
  properties: { uid: { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" } },
  required: ["uid"],
} as const;
const formField = { type: "string", maxLength: 1024 } as const;
const formBody = (fields: string[]) =>
  ({ type: "object", properties: Object.fromEntries(fields.map((field) => [field, formField])) }) as const;

type Form = Record<string, string | undefined>;
type UidRequest = FastifyRequest<{ Params: { uid: string }; Body: Form }>;

export async function interactionRoutes(app: FastifyInstance, options: InteractionRoutesOptions) {
  const { accounts, throttle, csrf, metrics } = options;

  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: maxFormBytes },
    (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
  );

  /** The CSRF token for this browser, setting its cookie first if it has none. */
  const csrfTokenFor = (request: FastifyRequest, reply: FastifyReply) => {
    let value = readCookie(request.raw, csrfCookieName);
    if (!value) {
      value = csrf.newCookieValue();
      reply.header(
        "set-cookie",
        serializeCookie(csrfCookieName, value, {
          secure: options.secureCookies,
          maxAgeSeconds: csrfCookieLifetimeSeconds,
        }),
      );
    }
    return csrf.tokenFor(value);
  };

  /** Refuses a post whose CSRF token is missing or wrong; returns whether the post may proceed. */
  const csrfAccepted = (request: FastifyRequest<{ Body: Form }>, reply: FastifyReply) => {
    if (csrf.isValid(readCookie(request.raw, csrfCookieName), request.body?.csrf)) return true;
    sendPage(
      reply,
      403,
      errorPage("Form expired", {
        error: "csrf_token_invalid",
        description:
          "This form has expired or did not come from this site. Go back, reload the page and try again.",
      }),
    );
    return false;
  };

  const details = async (request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply) => {
    let found: InteractionDetails;
    try {
      found = await options.provider().interactionDetails(request.raw, reply.raw);
    } catch (cause) {
      throw new InteractionExpiredError({ cause });
    }
    if (found.uid !== request.params.uid) throw new InteractionExpiredError();
    return found;
  };

  const clientNameOf = async (found: InteractionDetails) => {
    const client = await options.provider().Client.find(String(found.params.client_id));
    return client?.clientName ?? client?.clientId ?? "an application";
  };

  const finish = async (request: FastifyRequest, reply: FastifyReply, result: Record<string, unknown>) => {
    reply.hijack();
    await options
      .provider()
      .interactionFinished(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
  };

  const renderInteraction = async (
    request: UidRequest,
    reply: FastifyReply,
    found: InteractionDetails,
    error?: string,
  ) => {
    const token = csrfTokenFor(request, reply);
    const clientName = await clientNameOf(found);
    if (found.prompt.name === "login") {
      return sendPage(
        reply,
        error ? 401 : 200,
        loginPage({ uid: found.uid, csrf: token, clientName, email: request.body?.email, error }),
      );
    }
    const account = found.session ? await accounts.findBySubject(found.session.accountId) : undefined;
    const detailsOfPrompt = found.prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    const permissions = describeScopes(
      detailsOfPrompt.missingOIDCScope ?? [],
      detailsOfPrompt.missingResourceScopes ?? {},
      options.resources,
    );
    return sendPage(
      reply,
      200,
      consentPage({
        uid: found.uid,
        csrf: token,
        clientName,
        accountEmail: account?.email ?? "",
        permissions,
      }),
    );
  };

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof InteractionExpiredError) {
      return sendPage(
        reply,
        400,
        errorPage("Sign-in expired", { error: error.code, description: error.message }),
      );
    }
    throw error;
  });

  app.get(stylesheetPath, (_request, reply) =>
    reply
      .header("content-type", "text/css; charset=utf-8")
      .header("cache-control", "public, max-age=3600")
      .send(stylesheet),
  );

  app.get("/interaction/:uid", { schema: { params: uidParams } }, async (request: UidRequest, reply) =>
    renderInteraction(request, reply, await details(request, reply)),
  );

  app.post(
    "/interaction/:uid/login",
    { schema: { params: uidParams, body: formBody(["csrf", "email", "password"]) } },
    async (request: UidRequest, reply) => {
      if (!csrfAccepted(request, reply)) {
        metrics.logins.inc({ result: "csrf_rejected" });
        return reply;
      }
      const found = await details(request, reply);
      if (found.prompt.name !== "login") return renderInteraction(request, reply, found);
      const email = request.body.email ?? "";
      const verdict = await throttle.check(email, request.ip);
      if (!verdict.allowed) {
        metrics.logins.inc({ result: "throttled" });
        reply.header("retry-after", String(verdict.retryAfterSeconds));
        return sendPage(
          reply,
          429,
          loginPage({
            uid: found.uid,
            csrf: csrfTokenFor(request, reply),
            clientName: await clientNameOf(found),
            email,
            error: `Too many failed sign-ins. Try again in ${Math.ceil(verdict.retryAfterSeconds / 60)} minutes.`,
          }),
        );
      }
      const account = await accounts.authenticate(email, request.body.password ?? "");
      if (!account) {
        await throttle.recordFailure(email, request.ip);
        metrics.logins.inc({ result: "failure" });
        return renderInteraction(request, reply, found, "The email address or password is wrong.");
      }
      await throttle.recordSuccess(email);
      metrics.logins.inc({ result: "success" });
      return finish(request, reply, { login: { accountId: account.sub } });
    },
  );

  app.get(
    "/interaction/:uid/signup",
    { schema: { params: uidParams } },
    async (request: UidRequest, reply) => {
      const found = await details(request, reply);
      return sendPage(
        reply,
        200,
        signupPage({
          uid: found.uid,
          csrf: csrfTokenFor(request, reply),
          clientName: await clientNameOf(found),
        }),
      );
    },
  );

  app.post(
    "/interaction/:uid/signup",
    { schema: { params: uidParams, body: formBody(["csrf", "name", "email", "password"]) } },
    async (request: UidRequest, reply) => {
      if (!csrfAccepted(request, reply)) return reply;
      const found = await details(request, reply);
      const { email = "", name = "", password = "" } = request.body;
      try {
        const account = await accounts.create({ email, name, password });
        return finish(request, reply, { login: { accountId: account.sub } });
      } catch (error) {
        if (!(error instanceof AccountExistsError || error instanceof AccountInputError)) throw error;
        return sendPage(
          reply,
          error instanceof AccountExistsError ? 409 : 400,
          signupPage({
            uid: found.uid,
            csrf: csrfTokenFor(request, reply),
            clientName: await clientNameOf(found),
            email,
            name,
            error: error.message,
          }),
        );
      }
    },
  );

  app.post(
    "/interaction/:uid/consent",
    { schema: { params: uidParams, body: formBody(["csrf", "decision"]) } },
    async (request: UidRequest, reply) => {
      if (!csrfAccepted(request, reply)) return reply;
      const found = await details(request, reply);
      if (found.prompt.name !== "consent" || !found.session) return renderInteraction(request, reply, found);
      if (request.body.decision !== "allow") {
        return finish(request, reply, {
          error: "access_denied",
          error_description: "The user denied the request.",
        });
      }
      const provider = options.provider();
      const clientId = String(found.params.client_id);
      const grant =
        (found.grantId ? await provider.Grant.find(found.grantId) : undefined) ??
        new provider.Grant({ accountId: found.session.accountId, clientId });
      const missing = found.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
      const grantId = await grant.save();
      return finish(request, reply, { consent: { grantId } });
    },
  );

  app.post(
    "/interaction/:uid/abort",
    { schema: { params: uidParams, body: formBody(["csrf"]) } },
    async (request: UidRequest, reply) => {
      if (!csrfAccepted(request, reply)) return reply;
      await details(request, reply);
      return finish(request, reply, {
        error: "access_denied",
        error_description: "The user cancelled the sign-in.",
      });
    },
  );

  app.get("/account", async (request, reply) =>
    sendPage(reply, 200, accountPage({ csrf: csrfTokenFor(request, reply) })),
  );

  /** Checks the password through the throttle; answers the page itself and returns undefined on refusal. */
  const reauthenticate = async (request: FastifyRequest<{ Body: Form }>, reply: FastifyReply) => {
    const email = request.body.email ?? "";
    const verdict = await throttle.check(email, request.ip);
    if (!verdict.allowed) {
      metrics.logins.inc({ result: "throttled" });
      reply.header("retry-after", String(verdict.retryAfterSeconds));
      sendPage(
        reply,
        429,
        accountPage({
          csrf: csrfTokenFor(request, reply),
          error: "Too many failed attempts. Try again later.",
        }),
      );
      return undefined;
    }
    const account = await accounts.authenticate(email, request.body.password ?? "");
    if (!account) {
      await throttle.recordFailure(email, request.ip);
      metrics.logins.inc({ result: "failure" });
      sendPage(
        reply,
        401,
        accountPage({ csrf: csrfTokenFor(request, reply), error: "The email address or password is wrong." }),
      );
      return undefined;
    }
    await throttle.recordSuccess(email);
    metrics.logins.inc({ result: "success" });
    return account;
  };

  app.post(
    "/account/password",
    { schema: { body: formBody(["csrf", "email", "password", "newPassword"]) } },
    async (request: FastifyRequest<{ Body: Form }>, reply) => {
      if (!csrfAccepted(request, reply)) return reply;
      const account = await reauthenticate(request, reply);
      if (!account) return reply;
      try {
        await accounts.changePassword(account.email, request.body.newPassword ?? "");
      } catch (error) {
        if (!(error instanceof AuthCenterError)) throw error;
        return sendPage(
          reply,
          400,
          accountPage({ csrf: csrfTokenFor(request, reply), error: error.message }),
        );
      }
      await options.revokeEverythingOf(account.sub, "password-changed");
      return sendPage(
        reply,
        200,
        accountPage({
          csrf: csrfTokenFor(request, reply),
          notice: "Your password is changed and you are signed out everywhere.",
        }),
      );
    },
  );

  app.post(
    "/account/sign-out-everywhere",
    { schema: { body: formBody(["csrf", "email", "password"]) } },
    async (request: FastifyRequest<{ Body: Form }>, reply) => {
      if (!csrfAccepted(request, reply)) return reply;
      const account = await reauthenticate(request, reply);
      if (!account) return reply;
      await options.revokeEverythingOf(account.sub, "logout-everywhere");
      return sendPage(
        reply,
        200,
        accountPage({ csrf: csrfTokenFor(request, reply), notice: "You are signed out everywhere." }),
      );
    },
  );
}
