/**
 * The storage variables through service-kit's `loadConfig`, as a service loads them: defaults, the `aws`
 * switch, and every kind of unusable value stopping the load with a ConfigError that names its variable.
 */
import { ConfigError, loadConfig } from "@hakobune/service-kit";
import { describe, expect, it } from "vitest";
import { connectToStorage, storageConnectionFrom, storageVars } from "../src/index.js";

function load(env: Record<string, string>) {
  return loadConfig(storageVars(), env);
}

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

describe("storageVars", () => {
  it("defaults to our local storage with its default key pair", () => {
    const settings = load({});
    expect(settings).toEqual({
      storageEndpoint: "http://127.0.0.1:8000",
      storageAccessKeyId: "hakobune",
      storageSecretAccessKey: "hakobune-local-secret",
      storageRegion: undefined,
      storageMaxAttempts: 3,
      storageRequestTimeoutMs: 10_000,
    });
    expect(storageConnectionFrom(settings)).toEqual({
      endpoint: "http://127.0.0.1:8000",
      region: "us-east-1",
      credentials: { accessKeyId: "hakobune", secretAccessKey: "hakobune-local-secret" },
      maxAttempts: 3,
      requestTimeoutMs: 10_000,
    });
  });

  it("takes every variable when it is set", () => {
    const settings = load({
      HAKOBUNE_STORAGE_ENDPOINT: "https://storage.example.test:8443/base",
      HAKOBUNE_STORAGE_ACCESS_KEY_ID: "AKIDEXAMPLE",
      HAKOBUNE_STORAGE_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      HAKOBUNE_STORAGE_REGION: "eu-west-1",
      HAKOBUNE_STORAGE_MAX_ATTEMPTS: "5",
      HAKOBUNE_STORAGE_REQUEST_TIMEOUT_MS: "2500",
    });
    expect(storageConnectionFrom(settings)).toEqual({
      endpoint: "https://storage.example.test:8443/base",
      region: "eu-west-1",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      },
      maxAttempts: 5,
      requestTimeoutMs: 2500,
    });
  });

  it("leaves endpoint, credentials and (unless set) region to the SDK with `aws`", () => {
    const sdkDefaults = storageConnectionFrom(load({ HAKOBUNE_STORAGE_ENDPOINT: " AWS " }));
    expect(sdkDefaults).toMatchObject({ endpoint: undefined, region: undefined, credentials: undefined });

    const inRegion = storageConnectionFrom(
      load({ HAKOBUNE_STORAGE_ENDPOINT: "aws", HAKOBUNE_STORAGE_REGION: "ap-northeast-1" }),
    );
    expect(inRegion).toMatchObject({ endpoint: undefined, region: "ap-northeast-1", credentials: undefined });
  });

  it("signs for the configured region", async () => {
    const storage = connectToStorage(
      storageConnectionFrom(
        load({ HAKOBUNE_STORAGE_ENDPOINT: "aws", HAKOBUNE_STORAGE_REGION: "eu-north-1" }),
      ),
    );
    try {
      expect(await storage.client.config.region()).toBe("eu-north-1");
      expect(await storage.client.config.maxAttempts()).toBe(3);
    } finally {
      storage.close();
    }
  });

  it.each([
    ["HAKOBUNE_STORAGE_ENDPOINT", "localhost:8000"],
    ["HAKOBUNE_STORAGE_ENDPOINT", "127.0.0.1:8000"],
    ["HAKOBUNE_STORAGE_ENDPOINT", "ftp://127.0.0.1:8000"],
    ["HAKOBUNE_STORAGE_ENDPOINT", "http://user:password@127.0.0.1:8000"],
    ["HAKOBUNE_STORAGE_ENDPOINT", "http://127.0.0.1:8000/?debug=1"],
    ["HAKOBUNE_STORAGE_ENDPOINT", "amazon"],
    ["HAKOBUNE_STORAGE_REGION", "US East 1"],
    ["HAKOBUNE_STORAGE_REGION", "us_east_1"],
    ["HAKOBUNE_STORAGE_REGION", "us-east-1/"],
    ["HAKOBUNE_STORAGE_MAX_ATTEMPTS", "0"],
    ["HAKOBUNE_STORAGE_MAX_ATTEMPTS", "11"],
    ["HAKOBUNE_STORAGE_MAX_ATTEMPTS", "three"],
    ["HAKOBUNE_STORAGE_REQUEST_TIMEOUT_MS", "0"],
    ["HAKOBUNE_STORAGE_REQUEST_TIMEOUT_MS", "300001"],
  ])("refuses %s=%j", (variable, value) => {
    const error = configErrorOf({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toContain(variable);
  });

  it.each(["a/b", "a b", "a,b"])("refuses the access key id %j", (accessKeyId) => {
    const error = configErrorOf({
      HAKOBUNE_STORAGE_ACCESS_KEY_ID: accessKeyId,
      HAKOBUNE_STORAGE_SECRET_ACCESS_KEY: "secret",
    });
    expect(error.variable).toBe("HAKOBUNE_STORAGE_ACCESS_KEY_ID");
  });

  it("refuses a secret access key with spaces", () => {
    const error = configErrorOf({
      HAKOBUNE_STORAGE_ACCESS_KEY_ID: "key",
      HAKOBUNE_STORAGE_SECRET_ACCESS_KEY: "two words",
    });
    expect(error.variable).toBe("HAKOBUNE_STORAGE_SECRET_ACCESS_KEY");
  });

  it("refuses half a key pair, naming the half that is missing", () => {
    const noSecret = configErrorOf({ HAKOBUNE_STORAGE_ACCESS_KEY_ID: "key" });
    expect(noSecret.variable).toBe("HAKOBUNE_STORAGE_SECRET_ACCESS_KEY");
    expect(noSecret.message).toContain("HAKOBUNE_STORAGE_ACCESS_KEY_ID");

    const noKeyId = configErrorOf({ HAKOBUNE_STORAGE_SECRET_ACCESS_KEY: "secret" });
    expect(noKeyId.variable).toBe("HAKOBUNE_STORAGE_ACCESS_KEY_ID");
  });
});
