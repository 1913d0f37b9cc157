/**
 * Runs the built `recipe-app` command as a child process, the way a person runs it, and collects its
 * output; `login` is started in the background so the test can act as the browser meanwhile.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const recipeAppMain = fileURLToPath(new URL("../../dist/main.js", import.meta.url));

/** Longest a command may run before the test kills it, in milliseconds. */
const commandTimeoutMs = 60_000;

export interface RecipeAppRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningRecipeApp {
  /** Resolves with the first line of standard output that is a URL. */
  firstUrl: Promise<string>;
  done: Promise<RecipeAppRun>;
}

export function startRecipeApp(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): RunningRecipeApp {
  const child = spawn(process.execPath, [recipeAppMain, ...args], {
    env: { ...process.env, DISPLAY: "", WAYLAND_DISPLAY: "", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin.end(stdin ?? "");
  let stdout = "";
  let stderr = "";
  let announceUrl: (url: string) => void = () => {};
  const firstUrl = new Promise<string>((resolve, reject) => {
    announceUrl = resolve;
    child.once("exit", () =>
      reject(new Error(`recipe-app exited before printing a URL:\n${stdout}\n${stderr}`)),
    );
  });
  firstUrl.catch(() => {});
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    const url = stdout.split("\n").find((line) => /^https?:\/\//.test(line));
    if (url !== undefined) announceUrl(url.trim());
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), commandTimeoutMs);
  const done = new Promise<RecipeAppRun>((resolve) => {
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr });
    });
  });
  return { firstUrl, done };
}

export function runRecipeApp(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<RecipeAppRun> {
  return startRecipeApp(args, env, stdin).done;
}
