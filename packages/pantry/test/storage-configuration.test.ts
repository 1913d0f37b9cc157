/**
 * A bad storage setting stops pantry before it touches storage: the built process exits with the
 * bad-configuration code and one sentence naming the variable.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const pantryMain = fileURLToPath(new URL("../dist/main.js", import.meta.url));
/** Longest a refused start may take before the process is killed (and the test fails). */
const exitTimeoutMs = 30_000;

function runPantry(env: Record<string, string>) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [pantryMain],
      { env: { ...withoutHakobuneSettings(), HAKOBUNE_PANTRY_PORT: "0", ...env }, timeout: exitTimeoutMs },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number | null) : 0, stderr }),
    );
  });
}

/** The test's own environment minus any Hakobune setting, so that only the case's values count. */
function withoutHakobuneSettings(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("HAKOBUNE_")));
}

describe("pantry's storage configuration", () => {
  it.each([
    ["HAKOBUNE_STORAGE_ENDPOINT", { HAKOBUNE_STORAGE_ENDPOINT: "localhost:8000" }],
    ["HAKOBUNE_STORAGE_REGION", { HAKOBUNE_STORAGE_REGION: "Tokyo" }],
    ["HAKOBUNE_STORAGE_SECRET_ACCESS_KEY", { HAKOBUNE_STORAGE_ACCESS_KEY_ID: "only-half" }],
    ["HAKOBUNE_STORAGE_MAX_ATTEMPTS", { HAKOBUNE_STORAGE_MAX_ATTEMPTS: "0" }],
  ])("stops start-up when %s is unusable", async (variable, env) => {
    const { code, stderr } = await runPantry(env);
    expect(code).toBe(2);
    expect(stderr).toContain(`${variable} must be`);
  });
});
