/**
 * A bad storage setting stops the auth-center before it touches storage: the built process exits with
 * the bad-configuration code and one sentence naming the variable.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const authMain = fileURLToPath(new URL("../dist/main.js", import.meta.url));
/** Longest a refused start may take before the process is killed (and the test fails). */
const exitTimeoutMs = 30_000;

function runAuthCenter(env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [authMain],
      { env: { ...withoutHakobuneSettings(), HAKOBUNE_AUTH_PORT: "0", ...env }, timeout: exitTimeoutMs },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });
}

/** The test's own environment minus any Hakobune setting, so that only the case's values count. */
function withoutHakobuneSettings(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("HAKOBUNE_")));
}

describe("the auth-center's storage configuration", () => {
  it.each([
    ["HAKOBUNE_STORAGE_ENDPOINT", { HAKOBUNE_STORAGE_ENDPOINT: "ftp://127.0.0.1:8000" }],
    ["HAKOBUNE_STORAGE_ACCESS_KEY_ID", { HAKOBUNE_STORAGE_SECRET_ACCESS_KEY: "only-half" }],
    ["HAKOBUNE_STORAGE_REQUEST_TIMEOUT_MS", { HAKOBUNE_STORAGE_REQUEST_TIMEOUT_MS: "soon" }],
  ])("stops start-up when %s is unusable", async (variable, env) => {
    const { code, stderr } = await runAuthCenter(env);
    expect(code).toBe(2);
    expect(stderr).toContain(`${variable} must be`);
  });
});
