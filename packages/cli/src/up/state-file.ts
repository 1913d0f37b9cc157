/**
 * `<data-dir>/up.json`: what a running `hakobune up` started (its own pid, each service's URL and
 * pid), for `hakobune status` and for refusing a second `up` on the same data directory. Written
 * atomically (temporary file, then link or rename), so a reader never sees half a file.
 */
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { AlreadyRunningError } from "../errors.js";
import type { LifecyclePhase } from "./lifecycle.js";
import { isProcessAlive, signalGroup } from "./process-group.js";

export const STATE_FILE_NAME = "up.json";

export interface ServiceRecord {
  name: string;
  url: string;
  /** `null` while the service is not running (backing off, given up). */
  pid: number | null;
  startedAt: string | null;
  phase: LifecyclePhase;
  /** How many times `up` restarted the service after a failure. */
  restarts: number;
  /** The service's command line (absent in files written before it was recorded). */
  command?: string[];
}

export interface UpState {
  /** The pid of `hakobune up` itself. */
  pid: number;
  startedAt: string;
  services: ServiceRecord[];
}

export function stateFilePath(dataDir: string): string {
  return join(dataDir, STATE_FILE_NAME);
}

function isUpState(value: unknown): value is UpState {
  const candidate = value as Partial<UpState> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    Number.isInteger(candidate.pid) &&
    Array.isArray(candidate.services) &&
    candidate.services.every(
      (service) => typeof service?.name === "string" && typeof service.url === "string",
    )
  );
}

/** The recorded state, or `null` when there is no state file or it is not one of ours. */
export function readUpState(dataDir: string): UpState | null {
  let text: string;
  try {
    text = readFileSync(stateFilePath(dataDir), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isUpState(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function temporaryPath(dataDir: string): string {
  return join(dataDir, `.${STATE_FILE_NAME}.${process.pid}.tmp`);
}

/**
 * Creates the state file, or throws `AlreadyRunningError` when a live `up` owns it. A file left by an
 * `up` that died without cleaning up is replaced.
 */
export function claimStateFile(dataDir: string, state: UpState): void {
  const temporary = temporaryPath(dataDir);
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  try {
    // Two attempts: the first may find a stale file, which is removed before the second.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkSync(temporary, stateFilePath(dataDir));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const existing = readUpState(dataDir);
      if (existing !== null && isProcessAlive(existing.pid))
        throw new AlreadyRunningError(dataDir, existing.pid);
      // The previous `up` was killed before it could stop its services: stop them now, or they would
      // hold their ports and data with nobody supervising them.
      if (existing !== null) killOrphanedServices(existing);
      unlinkIfPresent(stateFilePath(dataDir));
    }
    throw new AlreadyRunningError(dataDir, readUpState(dataDir)?.pid ?? 0);
  } finally {
    unlinkIfPresent(temporary);
  }
}

/**
 * SIGKILLs the process group of every service a dead `up` recorded, when the process with that pid is
 * still the service `up` started (same command line): a pid reused by an unrelated program is left alone.
 */
export function killOrphanedServices(state: UpState): string[] {
  const killed: string[] = [];
  for (const service of state.services) {
    if (service.pid === null || service.command === undefined) continue;
    if (!sameCommandLine(readCommandLine(service.pid), service.command)) continue;
    signalGroup(service.pid, "SIGKILL");
    killed.push(service.name);
  }
  return killed;
}

function readCommandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  } catch {
    return undefined;
  }
}

/** The program may show up resolved through PATH, so only its file name is compared; arguments exactly. */
function sameCommandLine(running: string[] | undefined, recorded: string[]): boolean {
  if (running === undefined || running.length !== recorded.length || running.length === 0) return false;
  if (basename(running[0]!) !== basename(recorded[0]!)) return false;
  return running.every((word, index) => index === 0 || word === recorded[index]);
}

/** Replaces the state file's content; only the `up` that claimed it calls this. */
export function writeUpState(dataDir: string, state: UpState): void {
  const temporary = temporaryPath(dataDir);
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, stateFilePath(dataDir));
}

/** Removes the state file if it still belongs to `ownerPid`. */
export function releaseStateFile(dataDir: string, ownerPid: number): void {
  if (readUpState(dataDir)?.pid === ownerPid) unlinkIfPresent(stateFilePath(dataDir));
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
