/**
 * The environment variables that say where a service finds storage and how it signs its requests, the
 * same for every service: spread `storageVars()` into a service's `loadConfig` spec. Each value is checked
 * when the configuration loads, so a bad one stops start-up with a `ConfigError` naming the variable
 * instead of failing on the first request.
 */
import { ConfigError, type ConfigValues, type ConfigVariable, integerVar } from "@hakobune/service-kit";

export const storageEndpointVariable = "HAKOBUNE_STORAGE_ENDPOINT";
export const storageAccessKeyIdVariable = "HAKOBUNE_STORAGE_ACCESS_KEY_ID";
export const storageSecretAccessKeyVariable = "HAKOBUNE_STORAGE_SECRET_ACCESS_KEY";
export const storageRegionVariable = "HAKOBUNE_STORAGE_REGION";
export const storageMaxAttemptsVariable = "HAKOBUNE_STORAGE_MAX_ATTEMPTS";
export const storageRequestTimeoutVariable = "HAKOBUNE_STORAGE_REQUEST_TIMEOUT_MS";

/** Where `hakobune up` runs storage. */
export const defaultStorageEndpoint = "http://127.0.0.1:8000";
/** The endpoint value that means "Amazon DynamoDB, with the SDK's own endpoint, region and credentials". */
export const awsStorageEndpoint = "aws";
/** The key pair our storage accepts unless it is configured with another one. */
export const defaultStorageAccessKeyId = "hakobune";
export const defaultStorageSecretAccessKey = "hakobune-local-secret";
/** The region requests to our storage are signed for when none is configured (it accepts any). */
export const defaultStorageRegion = "us-east-1";
/** Attempts per request, the first included, on throttling and transient errors. */
export const defaultStorageMaxAttempts = 3;
/** Most attempts per request a service may be configured with. */
export const maxStorageMaxAttempts = 10;
/** How long one attempt may take before it is abandoned (and retried), in milliseconds. */
export const defaultStorageRequestTimeoutMs = 10_000;
/** Longest per-attempt timeout a service may be configured with, in milliseconds (5 minutes). */
export const maxStorageRequestTimeoutMs = 300_000;

/**
 * `loadConfig({ ...serviceVars("HAKOBUNE_PANTRY", …), ...storageVars() }, env)` adds `storageEndpoint`,
 * `storageAccessKeyId`, `storageSecretAccessKey`, `storageRegion` (`undefined` when unset),
 * `storageMaxAttempts` and `storageRequestTimeoutMs` to the service's configuration.
 */
export function storageVars() {
  return {
    storageEndpoint: endpointVar(),
    storageAccessKeyId: pairedVar(
      storageAccessKeyIdVariable,
      storageSecretAccessKeyVariable,
      defaultStorageAccessKeyId,
      "an access key id without spaces, slashes or commas",
      (raw) => /^[^\s/,]+$/.test(raw),
    ),
    storageSecretAccessKey: pairedVar(
      storageSecretAccessKeyVariable,
      storageAccessKeyIdVariable,
      defaultStorageSecretAccessKey,
      "a secret access key without spaces",
      (raw) => /^\S+$/.test(raw),
    ),
    storageRegion: regionVar(),
    storageMaxAttempts: integerVar(storageMaxAttemptsVariable, defaultStorageMaxAttempts, {
      min: 1,
      max: maxStorageMaxAttempts,
    }),
    storageRequestTimeoutMs: integerVar(storageRequestTimeoutVariable, defaultStorageRequestTimeoutMs, {
      min: 1,
      max: maxStorageRequestTimeoutMs,
    }),
  };
}

/** The storage part of a loaded configuration; any service configuration that spread `storageVars()` fits. */
export type StorageSettings = ConfigValues<ReturnType<typeof storageVars>>;

function endpointVar(): ConfigVariable<string> {
  const expected = `"${awsStorageEndpoint}" or an http:// or https:// URL such as ${defaultStorageEndpoint}`;
  return variable(storageEndpointVariable, defaultStorageEndpoint, expected, (raw) => {
    const text = raw.trim();
    if (text.toLowerCase() === awsStorageEndpoint) return awsStorageEndpoint;
    return isStorageUrl(text) ? text : undefined;
  });
}

function isStorageUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  // Credentials in the URL would be sent nowhere useful (requests are signed) and end up in logs.
  const plain = url.username === "" && url.password === "" && url.search === "" && url.hash === "";
  return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "" && plain;
}

/**
 * One of a key pair that must be set together: our storage accepts one configured pair, so half of a
 * pair plus the other half's default can only fail every signature.
 */
function pairedVar(
  name: string,
  partnerName: string,
  defaultValue: string,
  expected: string,
  isValid: (raw: string) => boolean,
): ConfigVariable<string> {
  const read = variable(name, defaultValue, expected, (raw) => (isValid(raw) ? raw : undefined)).read;
  return {
    name,
    defaultValue,
    expected,
    read(env) {
      if (isUnset(env[name]) && !isUnset(env[partnerName])) {
        throw new ConfigError(name, "", `set together with ${partnerName} (set both or neither)`);
      }
      return read(env);
    },
  };
}

/** Unset means "the default region": ours for our storage, the SDK's own (AWS_REGION, profile) with `aws`. */
function regionVar(): ConfigVariable<string | undefined> {
  const expected = "a region name of lowercase letters, digits and hyphens, such as us-east-1";
  return variable<string | undefined>(storageRegionVariable, undefined, expected, (raw) => {
    const text = raw.trim();
    return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(text) ? text : undefined;
  });
}

function isUnset(value: string | undefined): boolean {
  return value === undefined || value === "";
}

/** A variable whose `parse` returns `undefined` for an unusable value; unset or empty takes the default. */
function variable<T>(
  name: string,
  defaultValue: T,
  expected: string,
  parse: (raw: string) => T | undefined,
): ConfigVariable<T> {
  return {
    name,
    defaultValue,
    expected,
    read(env) {
      const raw = env[name];
      if (raw === undefined || raw === "") return defaultValue;
      const value = parse(raw);
      if (value === undefined) throw new ConfigError(name, raw, expected);
      return value;
    },
  };
}
