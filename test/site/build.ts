/**
 * The ci-profile site for the browser tests, built once per test run into build/site-ci. Test files run in
 * parallel processes of one `node --test` (same parent pid): the first to take the lock builds, the others wait
 * and reuse its output. Two builds at once would share Framework's loader cache and the ci results store.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const projectRoot = resolve(import.meta.dirname, "..", "..");
export const siteOutput = join(projectRoot, "build", "site-ci");
const lockDir = join(projectRoot, "build", "site-ci.lock");
const marker = join(siteOutput, ".built-for-test-run");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function lock(): Promise<void> {
  mkdirSync(join(projectRoot, "build"), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, "pid"), String(process.pid));
      return;
    } catch {
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(join(lockDir, "pid"), "utf8"));
      } catch {
        // being created or removed right now
      }
      if (Number.isFinite(holder) && holder > 0 && !alive(holder)) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Builds (or reuses this test run's build of) the ci site; returns the output folder. POWERLAW_SGD_TEST_SITE=DIR
 * tests a site already built into DIR instead (e.g. the paper profile's dist/), building nothing.
 */
export async function buildSiteCi(): Promise<string> {
  const given = process.env.POWERLAW_SGD_TEST_SITE;
  if (given) {
    const dir = resolve(given);
    if (!existsSync(join(dir, "index.html"))) throw new Error(`POWERLAW_SGD_TEST_SITE=${given}: no index.html there`);
    console.log(`# site under test: ${dir} (POWERLAW_SGD_TEST_SITE)`);
    return dir;
  }
  await lock();
  try {
    const run = String(process.ppid);
    if (existsSync(marker) && readFileSync(marker, "utf8") === run) {
      console.log("# site build (ci profile): reusing this test run's build");
      return siteOutput;
    }
    const start = performance.now();
    const built = spawnSync(process.execPath, [join(projectRoot, "scripts", "site.mjs"), "build"], {
      cwd: projectRoot,
      env: { ...process.env, POWERLAW_SGD_PROFILE: "ci", POWERLAW_SGD_SITE_OUTPUT: siteOutput },
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    if (built.status !== 0)
      throw new Error(`site build failed (exit ${built.status}):\n${built.stdout}\n${built.stderr}`);
    writeFileSync(marker, run);
    console.log(`# site build (ci profile) took ${((performance.now() - start) / 1000).toFixed(1)} s`);
    return siteOutput;
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
