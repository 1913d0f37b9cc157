/**
 * `hakobune up`, `status` and `storage` through the front door: the built command as a real process,
 * a real storage child on a real port, real signals.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVICES, type UpState } from "../src/index.js";
import {
  assertBuilt,
  CliProcess,
  eventually,
  exists,
  freePort,
  killIfAlive,
  runCli,
} from "./support/cli-process.js";

const READY = /Hakobune is up with \d+ service\(s\)/;

function readState(dataDir: string): UpState | undefined {
  try {
    return JSON.parse(readFileSync(join(dataDir, "up.json"), "utf8")) as UpState;
  } catch {
    return undefined;
  }
}

function storagePid(dataDir: string): number | undefined {
  return readState(dataDir)?.services.find((service) => service.name === "storage")?.pid ?? undefined;
}

/** Free ports for every service `up` runs besides storage, so that tests never meet a busy default port. */
async function otherServicePorts(): Promise<string[]> {
  const flags: string[] = [];
  for (const service of SERVICES) {
    if (service.available && service.name !== "storage")
      flags.push(`--${service.portFlag}`, String(await freePort()));
  }
  return flags;
}

const temporaryDirs: string[] = [];
const startedPids: number[] = [];

function temporaryDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hakobune-cli-"));
  temporaryDirs.push(dir);
  return dir;
}

async function startUp(dataDir: string, extraArgs: string[] = []): Promise<{ up: CliProcess; port: number }> {
  const port = await freePort();
  const up = new CliProcess([
    "up",
    "--data-dir",
    dataDir,
    "--storage-port",
    String(port),
    ...(await otherServicePorts()),
    ...extraArgs,
  ]);
  startedPids.push(up.pid);
  await up.waitForOutput(READY);
  const pid = storagePid(dataDir);
  if (pid !== undefined) startedPids.push(pid);
  return { up, port };
}

beforeAll(() => assertBuilt());

afterAll(() => {
  // Only matters when a test failed half-way: nothing it started may outlive the run.
  for (const pid of startedPids) {
    killIfAlive(pid);
    if (pid > 0) killIfAlive(-pid);
  }
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

describe("hakobune up", () => {
  it("starts storage, restarts it after a crash, and stops everything on SIGTERM", async () => {
    const dataDir = temporaryDataDir();
    const { up, port } = await startUp(dataDir);
    expect(up.output).toMatch(new RegExp(`ready\\s+storage\\s+http://127\\.0\\.0\\.1:${port}\\s+pid \\d+`));
    const state = readState(dataDir);
    expect(state?.pid).toBe(up.pid);
    const firstPid = storagePid(dataDir);
    expect(firstPid).toBeTypeOf("number");

    const healthy = await runCli(["status", "--data-dir", dataDir]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(
      new RegExp(`storage\\s+http://127\\.0\\.0\\.1:${port}\\s+${firstPid}\\s+healthy`),
    );

    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(response.ok).toBe(true);

    // A crash: the supervisor must notice, restart storage with a new pid, and record it.
    process.kill(firstPid!, "SIGKILL");
    const secondPid = await eventually("a restarted storage in up.json", () => {
      const pid = storagePid(dataDir);
      return pid !== undefined && pid !== firstPid ? pid : undefined;
    });
    startedPids.push(secondPid);
    await up.waitForOutput(/storage exited \(signal SIGKILL\); restarting in \d+ ms\./);
    const afterRestart = await eventually("status healthy after the restart", async () => {
      const run = await runCli(["status", "--data-dir", dataDir, "--json"]);
      return run.code === 0 ? run : undefined;
    });
    expect(JSON.parse(afterRestart.stdout)).toMatchObject({
      running: true,
      pid: up.pid,
      services: expect.arrayContaining([
        { name: "storage", pid: secondPid, status: "healthy", url: expect.any(String) },
      ]),
    });
    expect(exists(firstPid!)).toBe(false);

    const servicePids = (readState(dataDir)?.services ?? []).flatMap((service) =>
      service.pid ? [service.pid] : [],
    );
    expect(servicePids.length).toBe(SERVICES.filter((service) => service.available).length);
    process.kill(up.pid, "SIGTERM");
    expect(await up.waitForExit()).toEqual({ code: 0, signal: null });
    expect(up.output).toContain("Hakobune stopped.");
    for (const pid of [up.pid, ...servicePids, ...servicePids.map((pid) => -pid)]) {
      await eventually(`pid ${pid} to be gone`, () => (exists(pid) ? undefined : true), 5_000);
    }
    expect(existsSync(join(dataDir, "up.json"))).toBe(false);

    const after = await runCli(["status", "--data-dir", dataDir]);
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/^Hakobune is not running on .+; start it with "hakobune up"\.\n$/);
  });

  it("refuses a second up on the same data directory while the first is alive", async () => {
    const dataDir = temporaryDataDir();
    const { up } = await startUp(dataDir);
    const before = readFileSync(join(dataDir, "up.json"), "utf8");

    const second = await runCli([
      "up",
      "--data-dir",
      dataDir,
      "--storage-port",
      String(await freePort()),
      ...(await otherServicePorts()),
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `hakobune: Hakobune is already running on ${dataDir} (pid ${up.pid}); stop it first or pass another --data-dir.\n`,
    );
    // The refused `up` must leave the running one's state alone.
    expect(readFileSync(join(dataDir, "up.json"), "utf8")).toBe(before);

    process.kill(up.pid, "SIGINT");
    expect((await up.waitForExit()).code).toBe(0);
    expect(existsSync(join(dataDir, "up.json"))).toBe(false);
  });

  it("writes service logs to files with --quiet and stops on SIGINT", async () => {
    const dataDir = temporaryDataDir();
    const { up, port } = await startUp(dataDir, ["--quiet"]);
    const pid = storagePid(dataDir)!;
    expect(up.output).not.toContain("storage |");
    const logFile = join(dataDir, "logs", "storage.log");
    const log = await eventually("storage's log file to show it listening", () => {
      const text = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
      return text.includes(`http://127.0.0.1:${port}`) ? text : undefined;
    });
    expect(log).not.toContain("storage |");

    process.kill(up.pid, "SIGINT");
    expect((await up.waitForExit()).code).toBe(0);
    await eventually("storage to be gone", () => (exists(pid) ? undefined : true), 5_000);
  });

  it("replaces the state file of an up that died, stopping the services it left running", async () => {
    const dataDir = temporaryDataDir();
    const { up } = await startUp(dataDir);
    const orphans = (readState(dataDir)?.services ?? []).flatMap((service) =>
      service.pid ? [service.pid] : [],
    );
    startedPids.push(...orphans);
    expect(orphans.length).toBeGreaterThan(0);
    // SIGKILL cannot be handled: up.json stays behind, and the services keep running unsupervised.
    process.kill(up.pid, "SIGKILL");
    await up.waitForExit();
    for (const pid of orphans) expect(exists(pid)).toBe(true);

    const stale = await runCli(["status", "--data-dir", dataDir]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain(`up.json is left from pid ${up.pid}, which has exited`);

    const { up: next } = await startUp(dataDir);
    expect(readState(dataDir)?.pid).toBe(next.pid);
    for (const pid of orphans) {
      await eventually(`orphaned service ${pid} to be gone`, () => (exists(pid) ? undefined : true), 5_000);
    }
    process.kill(next.pid, "SIGTERM");
    expect((await next.waitForExit()).code).toBe(0);
  });

  it("refuses a port that is already taken, in one sentence", async () => {
    const dataDir = temporaryDataDir();
    const { up, port } = await startUp(dataDir);
    const other = temporaryDataDir();
    const clash = await runCli([
      "up",
      "--data-dir",
      other,
      "--storage-port",
      String(port),
      ...(await otherServicePorts()),
    ]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toBe(
      `hakobune: Port ${port} for storage is already in use; free it or choose another with --storage-port or HAKOBUNE_STORAGE_PORT.\n`,
    );
    expect(existsSync(join(other, "up.json"))).toBe(false);
    process.kill(up.pid, "SIGTERM");
    expect((await up.waitForExit()).code).toBe(0);
  });
});

describe("hakobune command line", () => {
  it("exits 2 with one sentence for a bad flag, a bad port or an unknown command", async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [
        ["up", "--bogus"],
        {},
        /^hakobune: Unknown option --bogus for "hakobune up"; run "hakobune up --help" for usage\.\n$/,
      ],
      [
        ["up", "--storage-port", "70000"],
        {},
        /^hakobune: --storage-port must be a port number from 1 to 65535, not "70000"\.\n$/,
      ],
      [["up"], { HAKOBUNE_STORAGE_PORT: "eighty" }, /^hakobune: HAKOBUNE_STORAGE_PORT must be a port number/],
      [["status", "--json=yes"], {}, /^hakobune: .*"hakobune status"/],
      [["storage", "--port"], {}, /^hakobune: Option --port of "hakobune storage" needs a value/],
      [
        ["storage", "--nodes-per-zone", "2"],
        {},
        /^hakobune: --nodes-per-zone needs --zones 2 or more \(it configures the replicated store\)\.\n$/,
      ],
      [
        ["storage", "--zones", "3", "--routers", "0"],
        {},
        /^hakobune: --routers must be an integer between 1 and 8, got "0"\.\n$/,
      ],
      [["deploy-everything"], {}, /^hakobune: Unknown command "deploy-everything"; run "hakobune help"/],
    ];
    for (const [args, env, stderr] of cases) {
      const run = await runCli(args, { ...process.env, ...env });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(stderr);
      expect(run.stdout, args.join(" ")).toBe("");
    }
  });

  it("prints usage for help, --help and a command's --help, and exits 0", async () => {
    for (const args of [["help"], ["--help"], []]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: hakobune <command>/);
    }
    const upHelp = await runCli(["up", "--help"]);
    expect(upHelp.code).toBe(0);
    expect(upHelp.stdout).toContain("--storage-port N");
    expect(upHelp.stdout).toContain("HAKOBUNE_STORAGE_PORT, default 8000");
  });

  it("says clearly when nothing runs on a data directory", async () => {
    const dataDir = temporaryDataDir();
    const table = await runCli(["status", "--data-dir", dataDir]);
    expect(table).toEqual({
      code: 1,
      stdout: `Hakobune is not running on ${dataDir}; start it with "hakobune up".\n`,
      stderr: "",
    });
    const json = await runCli(["status", "--json"], { ...process.env, HAKOBUNE_DATA_DIR: dataDir });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ running: false, dataDir, pid: null, services: [] });
  });
});

describe("hakobune storage", () => {
  it("serves in the foreground, prints its URL and credentials, and stops on SIGTERM", async () => {
    const dataDir = temporaryDataDir();
    const port = await freePort();
    const storage = new CliProcess([
      "storage",
      "--port",
      String(port),
      "--data-dir",
      join(dataDir, "storage"),
    ]);
    startedPids.push(storage.pid);
    await storage.waitForOutput(/storage accepts access key id "[^"]+" with secret access key "[^"]+"/);
    expect(storage.output).toContain(`storage listening on http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).ok).toBe(true);
    process.kill(storage.pid, "SIGTERM");
    expect(await storage.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it("takes the replicated store's flags its usage names: zones, routers, spare nodes", async () => {
    const dataDir = temporaryDataDir();
    const port = await freePort();
    const storage = new CliProcess([
      ...["storage", "--port", String(port), "--data-dir", join(dataDir, "storage")],
      ...["--zones", "3", "--routers", "2", "--nodes-per-zone", "2", "--partitions", "2"],
    ]);
    startedPids.push(storage.pid);
    await storage.waitForOutput(/storage accepts access key id/);
    expect(storage.output).toContain("(2 routers of 6 storage nodes in zones az-a, az-b, az-c)");
    const partitions = (await (await fetch(`http://127.0.0.1:${port}/admin/partitions`)).json()) as {
      partitions: { kind: string }[];
    };
    expect(partitions.partitions.filter((partition) => partition.kind === "items")).toHaveLength(2);
    process.kill(storage.pid, "SIGTERM");
    expect(await storage.waitForExit()).toEqual({ code: 0, signal: null });
  });
});
