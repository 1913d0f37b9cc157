/**
 * Where recipe-app finds auth-center and pantry, who it is to auth-center, and where it keeps its
 * session — from command-line options first, then environment variables, then defaults (the README's
 * table lists them).
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../errors.js";

export interface AppConfig {
  issuer: string;
  pantryUrl: string;
  clientId: string;
  /** The resource (RFC 8707) tokens are requested for: pantry's identifier. */
  resource: string;
  scope: string;
  /** Folder of the session file. */
  configDir: string;
  /** Try to open the system browser at login. */
  openBrowser: boolean;
  /** Time to wait for the browser to come back to the loopback listener, in milliseconds. */
  loginTimeoutMs: number;
}

export const defaultScope = "openid offline_access recipes:read recipes:write";
export const defaultLoginTimeoutMs = 300_000;

export interface ConfigOptions {
  issuer?: string | undefined;
  pantry?: string | undefined;
  clientId?: string | undefined;
  configDir?: string | undefined;
  noBrowser?: boolean | undefined;
}

export function resolveConfig(options: ConfigOptions, env: NodeJS.ProcessEnv): AppConfig {
  const configHome = nonEmpty(env.XDG_CONFIG_HOME) ?? join(homedir(), ".config");
  const loginTimeout = nonEmpty(env.RECIPE_APP_LOGIN_TIMEOUT_MS);
  const loginTimeoutMs = loginTimeout === undefined ? defaultLoginTimeoutMs : Number(loginTimeout);
  if (!Number.isSafeInteger(loginTimeoutMs) || loginTimeoutMs < 1) {
    throw new UsageError(
      `RECIPE_APP_LOGIN_TIMEOUT_MS must be a positive integer, got ${JSON.stringify(loginTimeout)}`,
    );
  }
  return {
    issuer: httpUrl(
      "issuer",
      options.issuer ?? nonEmpty(env.HAKOBUNE_AUTH_ISSUER) ?? "http://localhost:8081",
    ),
    pantryUrl: httpUrl(
      "pantry",
      options.pantry ?? nonEmpty(env.HAKOBUNE_PANTRY_URL) ?? "http://localhost:8082",
    ),
    clientId: options.clientId ?? nonEmpty(env.RECIPE_APP_CLIENT_ID) ?? "recipe-app",
    resource: nonEmpty(env.RECIPE_APP_RESOURCE) ?? "urn:hakobune:pantry",
    scope: nonEmpty(env.RECIPE_APP_SCOPE) ?? defaultScope,
    configDir: options.configDir ?? join(configHome, "hakobune"),
    openBrowser: options.noBrowser !== true,
    loginTimeoutMs,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} must be a URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/$/, "");
}
