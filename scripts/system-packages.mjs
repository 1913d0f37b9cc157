// Makes sure the Debian packages the test suite drives are installed: installs them with apt-get when
// they are missing and we are root, and otherwise stops with a sentence naming what to install.
// Tests never skip silently because a tool is missing.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Each command the tests run, and the Debian package that provides it. */
const required = [
  { command: "/usr/bin/promtool", pkg: "prometheus", why: "checks metrics, rules and configuration" },
  { command: "/usr/bin/prometheus", pkg: "prometheus", why: "scrapes the services in the monitoring tests" },
  {
    command: "/usr/bin/prometheus-alertmanager",
    pkg: "prometheus-alertmanager",
    why: "routes alerts in the monitoring tests",
  },
  {
    command: "/usr/bin/amtool",
    pkg: "prometheus-alertmanager",
    why: "checks the Alertmanager configuration",
  },
  {
    command: "/usr/bin/java",
    pkg: "default-jre-headless",
    why: "runs DynamoDB Local, the reference for storage tests",
  },
];

const missing = required.filter(({ command }) => !existsSync(command));
if (missing.length > 0) {
  const packages = [...new Set(missing.map(({ pkg }) => pkg))];
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    for (const { command, pkg, why } of missing) {
      console.error(`The tests need ${command} (it ${why}): install the Debian package "${pkg}".`);
    }
    console.error(`Run: sudo apt-get install -y ${packages.join(" ")}`);
    process.exit(1);
  }
  console.log(`system-packages: installing ${packages.join(", ")} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = spawnSync("apt-get", ["update"], { stdio: "inherit", env });
  const install = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...packages], {
    stdio: "inherit",
    env,
  });
  const stillMissing = required.filter(({ command }) => !existsSync(command));
  if (update.status !== 0 || install.status !== 0 || stillMissing.length > 0) {
    console.error(
      `system-packages: apt-get could not install ${packages.join(" ")}; install them and run again.`,
    );
    process.exit(1);
  }
}
