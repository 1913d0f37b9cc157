/**
 * The saved session: tokens in one JSON file only the user may read (mode 0600, in a folder of mode
 * 0700), replaced atomically (write a temporary file, then rename) so a crash never leaves half a file.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface SavedSession {
  issuer: string;
  clientId: string;
  accessToken: string;
  refreshToken?: string | undefined;
  idToken?: string | undefined;
  /** Epoch seconds the access token expires at. */
  expiresAt: number;
  scope?: string | undefined;
}

export const sessionFileName = "recipe-app-session.json";
/** Largest session file read, in bytes; ours are a few KiB. */
export const maxSessionFileBytes = 64 * 1024;

export class TokenStore {
  readonly path: string;
  readonly #dir: string;

  constructor(configDir: string) {
    this.#dir = configDir;
    this.path = join(configDir, sessionFileName);
  }

  /** The saved session, or undefined when there is none or it is unreadable. */
  async load(): Promise<SavedSession | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch {
      return undefined;
    }
    if (text.length > maxSessionFileBytes) return undefined;
    try {
      const session = JSON.parse(text) as SavedSession;
      const usable =
        typeof session.accessToken === "string" &&
        typeof session.issuer === "string" &&
        typeof session.expiresAt === "number";
      return usable ? session : undefined;
    } catch {
      return undefined;
    }
  }

  async save(session: SavedSession): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
    // The mode given to writeFile is filtered by the umask; the file must be 0600 whatever the umask.
    await chmod(temporary, 0o600);
    await rename(temporary, this.path);
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
