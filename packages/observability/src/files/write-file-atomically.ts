/**
 * Replaces a file in one step: the content goes to a temporary file in the same directory, which is then
 * renamed over the target. Readers that watch the directory (Prometheus's file-based service discovery,
 * Grafana's dashboard provider) never see a half-written file.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomically(path: string, content: string): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  // A leading dot and a `.tmp` ending keep the temporary file out of globs such as `targets/*.json`.
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  try {
    await writeFile(temporary, content);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
