import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseArgs } from "../src/args.js";
import {
  exitCodes,
  type Output,
  parseIngredient,
  resolveConfig,
  runRecipeApp,
  TokenStore,
  UsageError,
} from "../src/index.js";

function capture(): Output & { lines: string[]; notes: string[] } {
  const lines: string[] = [];
  const notes: string[] = [];
  return {
    lines,
    notes,
    line: (text) => lines.push(text),
    json: (value) => lines.push(JSON.stringify(value)),
    note: (text) => notes.push(text),
  };
}

const temporaryDirs: string[] = [];
async function temporaryDir() {
  const dir = await mkdtemp(join(tmpdir(), "recipe-app-unit-"));
  temporaryDirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of temporaryDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe("parseArgs", () => {
  const spec = { values: ["title"], repeated: ["step"], flags: ["json"] } as const;

  it("reads positionals, values in both spellings, repeated options in order, and flags", () => {
    const parsed = parseArgs(
      ["show", "--title", "A", "--step=one", "--step", "two", "--json", "--", "--x"],
      spec,
    );
    expect(parsed.positionals).toEqual(["show", "--x"]);
    expect(parsed.values.get("title")).toBe("A");
    expect(parsed.repeated.get("step")).toEqual(["one", "two"]);
    expect(parsed.flags.has("json")).toBe(true);
  });

  it.each([[["--colour", "red"]], [["--title"]], [["--json=yes"]]])("refuses %j", (args) => {
    expect(() => parseArgs(args, spec)).toThrow(UsageError);
  });
});

describe("parseIngredient", () => {
  it("reads name=quantity [unit]", () => {
    expect(parseIngredient("dashi=600 ml")).toEqual({ name: "dashi", quantity: 600, unit: "ml" });
    expect(parseIngredient("spring onion=1")).toEqual({ name: "spring onion", quantity: 1 });
    expect(parseIngredient("soy sauce=1.5 heaped tbsp")).toEqual({
      name: "soy sauce",
      quantity: 1.5,
      unit: "heaped tbsp",
    });
  });

  it.each([["dashi"], ["=600 ml"], ["dashi="], ["dashi=lots"]])("refuses %j", (text) => {
    expect(() => parseIngredient(text)).toThrow(UsageError);
  });
});

describe("resolveConfig", () => {
  it("prefers options, then the environment, then defaults", () => {
    const fromDefaults = resolveConfig({}, { XDG_CONFIG_HOME: "/home/cook/.config" });
    expect(fromDefaults).toMatchObject({
      issuer: "http://localhost:8081",
      pantryUrl: "http://localhost:8082",
      clientId: "recipe-app",
      resource: "urn:hakobune:pantry",
      configDir: join("/home/cook/.config", "hakobune"),
      openBrowser: true,
    });
    const fromEnv = resolveConfig(
      {},
      { HAKOBUNE_AUTH_ISSUER: "http://127.0.0.1:9/", HAKOBUNE_PANTRY_URL: "http://p" },
    );
    expect(fromEnv).toMatchObject({ issuer: "http://127.0.0.1:9", pantryUrl: "http://p" });
    const fromOptions = resolveConfig(
      { issuer: "https://auth.example", configDir: "/tmp/x", noBrowser: true },
      { HAKOBUNE_AUTH_ISSUER: "http://ignored" },
    );
    expect(fromOptions).toMatchObject({
      issuer: "https://auth.example",
      configDir: "/tmp/x",
      openBrowser: false,
    });
  });

  it("refuses URLs that are not http(s) and a bad login timeout", () => {
    expect(() => resolveConfig({ issuer: "ftp://x" }, {})).toThrow(UsageError);
    expect(() => resolveConfig({ pantry: "not a url" }, {})).toThrow(UsageError);
    expect(() => resolveConfig({}, { RECIPE_APP_LOGIN_TIMEOUT_MS: "soon" })).toThrow(UsageError);
  });
});

describe("TokenStore", () => {
  it("saves the session readable only by the user, in a folder only the user may enter", async () => {
    const dir = join(await temporaryDir(), "hakobune");
    const store = new TokenStore(dir);
    const previousUmask = process.umask(0o000);
    try {
      await store.save({
        issuer: "http://i",
        clientId: "c",
        accessToken: "a",
        refreshToken: "r",
        expiresAt: 1,
      });
    } finally {
      process.umask(previousUmask);
    }
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await store.load()).toMatchObject({ accessToken: "a", refreshToken: "r" });
    await store.remove();
    expect(await store.load()).toBeUndefined();
  });
});

describe("runRecipeApp", () => {
  it("explains usage and exits 2 without a command or with an unknown one", async () => {
    const context = { env: {}, output: capture(), stdin: async () => "" };
    expect(await runRecipeApp([], context)).toBe(exitCodes.usage);
    expect(context.output.lines.join("\n")).toContain("recipe-app login");
    expect(await runRecipeApp(["cook"], context)).toBe(exitCodes.usage);
    expect(context.output.notes.at(-1)).toContain('Unknown command "cook"');
  });

  it("says to log in, exit 3, when there is no session", async () => {
    const output = capture();
    const configDir = await temporaryDir();
    const code = await runRecipeApp(["--config-dir", configDir, "recipes", "list"], {
      env: {},
      output,
      stdin: async () => "",
    });
    expect(code).toBe(exitCodes.notLoggedIn);
    expect(output.notes.join("\n")).toContain("recipe-app login");
  });

  it("logs out quietly when not logged in", async () => {
    const output = capture();
    const configDir = await temporaryDir();
    expect(
      await runRecipeApp(["--config-dir", configDir, "logout"], { env: {}, output, stdin: async () => "" }),
    ).toBe(0);
    expect(output.notes).toEqual(["You were not signed in."]);
  });

  it("reports an unreachable auth-center at login in one sentence", async () => {
    const output = capture();
    const configDir = await temporaryDir();
    const code = await runRecipeApp(
      ["--config-dir", configDir, "--issuer", "http://127.0.0.1:1", "--no-browser", "login"],
      {
        env: {},
        output,
        stdin: async () => "",
      },
    );
    expect(code).toBe(exitCodes.failed);
    expect(output.notes.join("\n")).toContain("auth-center at http://127.0.0.1:1 cannot be reached");
  });
});
