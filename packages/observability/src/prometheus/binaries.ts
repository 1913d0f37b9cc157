/**
 * Finds the Prometheus and Alertmanager binaries (Debian packages `prometheus` and
 * `prometheus-alertmanager`) on the search path, and says in one line how to install what is missing.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** The command that installs everything this package runs. */
export const installCommand = "sudo apt-get install prometheus prometheus-alertmanager";

export interface PrometheusBinaries {
  /** Absolute paths, or `null` when not found. */
  prometheus: string | null;
  promtool: string | null;
  /** Debian names it `prometheus-alertmanager`; upstream releases call it `alertmanager`. */
  alertmanager: string | null;
  amtool: string | null;
  /** True when both servers (prometheus and alertmanager) can be started. */
  serversInstalled: boolean;
  /** One line naming what is missing and the install command; `null` when nothing is. */
  message: string | null;
}

export interface FindBinariesOptions {
  /** Directories to search, separated like `PATH`. Default: `PATH` followed by `/usr/bin` and `/usr/sbin`. */
  searchPath?: string;
}

/** The names each binary goes by, in order of preference. */
const binaryNames = {
  prometheus: ["prometheus"],
  promtool: ["promtool"],
  alertmanager: ["prometheus-alertmanager", "alertmanager"],
  amtool: ["amtool"],
} as const;

const packageOf = {
  prometheus: "prometheus",
  promtool: "prometheus",
  alertmanager: "prometheus-alertmanager",
  amtool: "prometheus-alertmanager",
} as const;

export function findPrometheusBinaries(options: FindBinariesOptions = {}): PrometheusBinaries {
  const searchPath = options.searchPath ?? [process.env.PATH ?? "", "/usr/bin", "/usr/sbin"].join(delimiter);
  const directories = searchPath.split(delimiter).filter((directory) => directory !== "");
  const found = {
    prometheus: findExecutable(binaryNames.prometheus, directories),
    promtool: findExecutable(binaryNames.promtool, directories),
    alertmanager: findExecutable(binaryNames.alertmanager, directories),
    amtool: findExecutable(binaryNames.amtool, directories),
  };
  const missing = (Object.keys(found) as (keyof typeof found)[]).filter((name) => found[name] === null);
  return {
    ...found,
    serversInstalled: found.prometheus !== null && found.alertmanager !== null,
    message: missing.length === 0 ? null : missingMessage(missing),
  };
}

function missingMessage(missing: readonly (keyof typeof binaryNames)[]): string {
  const packages = [...new Set(missing.map((name) => packageOf[name]))];
  return (
    `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not installed, so metrics and alerts stay off: ` +
    `install ${packages.length === 1 ? "it" : "them"} with \`sudo apt-get install ${packages.join(" ")}\``
  );
}

function findExecutable(names: readonly string[], directories: readonly string[]): string | null {
  for (const name of names) {
    for (const directory of directories) {
      const candidate = join(directory, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not in this directory: keep looking.
      }
    }
  }
  return null;
}
