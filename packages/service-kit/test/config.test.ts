import { describe, expect, it } from "vitest";
import {
  booleanVar,
  ConfigError,
  enumVar,
  integerVar,
  loadConfig,
  serviceVars,
  stringVar,
} from "../src/index.js";

const spec = {
  port: integerVar("PANTRY_PORT", 8082, { min: 0, max: 65535 }),
  dataDir: stringVar("PANTRY_DATA_DIR", ".hakobune/pantry"),
  logLevel: enumVar("LOG_LEVEL", ["debug", "info", "warn", "error"], "info"),
  debug: booleanVar("PANTRY_DEBUG", false),
};

function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("takes every default from an empty environment", () => {
    expect(loadConfig(spec, {})).toEqual({
      port: 8082,
      dataDir: ".hakobune/pantry",
      logLevel: "info",
      debug: false,
    });
  });

  it("reads and converts set variables", () => {
    const config = loadConfig(spec, {
      PANTRY_PORT: "9000",
      PANTRY_DATA_DIR: "/var/lib/pantry",
      LOG_LEVEL: "warn",
      PANTRY_DEBUG: "yes",
      UNRELATED: "ignored",
    });
    expect(config).toEqual({ port: 9000, dataDir: "/var/lib/pantry", logLevel: "warn", debug: true });
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig(spec, { PANTRY_PORT: "", PANTRY_DATA_DIR: "" })).toMatchObject({
      port: 8082,
      dataDir: ".hakobune/pantry",
    });
  });

  it("names the variable, what it expects and the value in one sentence", () => {
    const error = configErrorOf(() => loadConfig(spec, { PANTRY_PORT: "abc" }));
    expect(error.message).toBe('PANTRY_PORT must be an integer between 0 and 65535, got "abc"');
    expect(error).toMatchObject({ code: "CONFIG_INVALID", variable: "PANTRY_PORT", value: "abc" });
  });

  it.each([
    ["65536", "above the maximum"],
    ["-1", "below the minimum"],
    ["80.5", "a fraction"],
    ["1e3", "in exponent notation"],
    ["0x50", "hexadecimal"],
    ["8O82", "with a letter inside"],
    ["99999999999999999999", "beyond the safe integers"],
  ])("rejects the port %s (%s)", (value) => {
    expect(configErrorOf(() => loadConfig(spec, { PANTRY_PORT: value })).variable).toBe("PANTRY_PORT");
  });

  it("accepts integers at the bounds and with surrounding whitespace", () => {
    expect(loadConfig(spec, { PANTRY_PORT: "0" }).port).toBe(0);
    expect(loadConfig(spec, { PANTRY_PORT: "65535" }).port).toBe(65535);
    expect(loadConfig(spec, { PANTRY_PORT: " 8083\n" }).port).toBe(8083);
  });

  it("describes one-sided and unbounded integers", () => {
    const load = (variable: ReturnType<typeof integerVar>) =>
      configErrorOf(() => loadConfig({ value: variable }, { N: "x" })).message;
    expect(load(integerVar("N", 1, { min: 1 }))).toBe('N must be an integer of at least 1, got "x"');
    expect(load(integerVar("N", 1, { max: 9 }))).toBe('N must be an integer of at most 9, got "x"');
    expect(load(integerVar("N", 1))).toBe('N must be an integer, got "x"');
  });

  it("matches enum values without regard to case and returns them as listed", () => {
    expect(loadConfig(spec, { LOG_LEVEL: "DEBUG" }).logLevel).toBe("debug");
    expect(configErrorOf(() => loadConfig(spec, { LOG_LEVEL: "loud" })).message).toBe(
      'LOG_LEVEL must be one of "debug", "info", "warn", "error", got "loud"',
    );
  });

  it.each([
    ["true", true],
    ["1", true],
    ["ON", true],
    ["false", false],
    ["0", false],
    ["No", false],
  ])("reads the boolean %s as %s", (raw, expected) => {
    expect(loadConfig(spec, { PANTRY_DEBUG: raw }).debug).toBe(expected);
  });

  it("rejects a boolean it cannot read", () => {
    expect(configErrorOf(() => loadConfig(spec, { PANTRY_DEBUG: "maybe" })).message).toBe(
      'PANTRY_DEBUG must be a boolean (true/false, 1/0, yes/no, on/off), got "maybe"',
    );
  });

  it("keeps strings as they are, whitespace included", () => {
    expect(loadConfig(spec, { PANTRY_DATA_DIR: " data dir " }).dataDir).toBe(" data dir ");
  });

  it("cuts a long rejected value short in the message", () => {
    const error = configErrorOf(() => loadConfig(spec, { PANTRY_PORT: "9".repeat(1000) }));
    expect(error.message.length).toBeLessThan(150);
    expect(error.value).toHaveLength(1000);
  });

  it("refuses a definition whose default breaks its own rules", () => {
    expect(() => integerVar("PANTRY_PORT", 70000, { min: 0, max: 65535 })).toThrow(RangeError);
    expect(() => enumVar("LOG_LEVEL", ["info", "warn"], "loud" as "info")).toThrow(RangeError);
    expect(() => stringVar("NOT A NAME", "x")).toThrow(TypeError);
  });
});

describe("serviceVars", () => {
  it("names the variables after the prefix and keeps the kit's defaults", () => {
    expect(loadConfig(serviceVars("PANTRY", { port: 8082 }), {})).toEqual({
      port: 8082,
      host: "127.0.0.1",
      logLevel: "info",
      drainTimeoutMs: 10000,
      bodyLimitBytes: 1048576,
    });
    const config = loadConfig(serviceVars("PANTRY", { port: 8082 }), {
      PANTRY_PORT: "1",
      PANTRY_HOST: "::1",
      PANTRY_DRAIN_TIMEOUT_MS: "250",
      PANTRY_BODY_LIMIT_BYTES: "10",
      LOG_LEVEL: "debug",
    });
    expect(config).toEqual({
      port: 1,
      host: "::1",
      logLevel: "debug",
      drainTimeoutMs: 250,
      bodyLimitBytes: 10,
    });
  });

  it("rejects a drain timeout below zero and a body limit of zero", () => {
    const vars = serviceVars("PANTRY", { port: 8082 });
    expect(configErrorOf(() => loadConfig(vars, { PANTRY_DRAIN_TIMEOUT_MS: "-5" })).variable).toBe(
      "PANTRY_DRAIN_TIMEOUT_MS",
    );
    expect(configErrorOf(() => loadConfig(vars, { PANTRY_BODY_LIMIT_BYTES: "0" })).variable).toBe(
      "PANTRY_BODY_LIMIT_BYTES",
    );
  });
});
