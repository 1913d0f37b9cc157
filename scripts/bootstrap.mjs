// First step of `npm start` and `npm test`: install dependencies when they are missing, then build.
// It must run on an older system Node too, because on a fresh clone the pinned Node 24 (the `node`
// dev dependency) is not installed yet; everything after this step runs on the pinned Node.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");

function run(command, args) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
  });
  if (result.status !== 0) {
    console.error(
      `bootstrap: \`${command} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal}).`,
    );
    process.exit(result.status ?? 1);
  }
}

if (!existsSync(join(bin, "node")) || !existsSync(join(bin, "tsc"))) {
  console.log("bootstrap: installing dependencies (npm ci) …");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}
run(join(bin, "tsc"), ["-b"]);
