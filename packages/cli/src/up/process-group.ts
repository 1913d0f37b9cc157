/**
 * Signals to a whole process group. `up` spawns each service as the leader of its own group, so
 * signalling the group reaches the service's own children too and none is left behind as an orphan.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** How often `terminateGroup` checks whether the group is gone. */
const GROUP_POLL_INTERVAL_MS = 50;
/** How long `terminateGroup` waits for the kernel to tear a group down after SIGKILL. */
const KILL_GRACE_MS = 5_000;

/** Sends `signal` to every process in group `groupId`; returns false when the group no longer exists. */
export function signalGroup(groupId: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-groupId, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** Whether any process (including an unreaped zombie) is still in group `groupId`. */
export function isGroupAlive(groupId: number): boolean {
  return signalGroup(groupId, 0);
}

/** Whether process `pid` exists; a process we may not signal (EPERM) exists too. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitForGroupExit(groupId: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isGroupAlive(groupId)) {
    if (Date.now() >= deadline) return false;
    await sleep(GROUP_POLL_INTERVAL_MS);
  }
  return true;
}

/**
 * SIGTERM the group, wait up to `stopTimeoutMs` for every member to exit, then SIGKILL what is left.
 * Resolves to how the group ended; "survived" means it outlived SIGKILL's grace period too.
 */
export async function terminateGroup(
  groupId: number,
  stopTimeoutMs: number,
): Promise<"exited" | "killed" | "survived"> {
  if (!signalGroup(groupId, "SIGTERM")) return "exited";
  if (await waitForGroupExit(groupId, stopTimeoutMs)) return "exited";
  signalGroup(groupId, "SIGKILL");
  return (await waitForGroupExit(groupId, KILL_GRACE_MS)) ? "killed" : "survived";
}
