/**
 * A throwaway PostgreSQL cluster for the tests: one per test process, started on first use on a
 * private Unix socket (no TCP port), stopped when the process exits; a fresh database per call
 * of `pgDatabase()` is cheap (CREATE DATABASE copies template1 in milliseconds).
 *
 * When `LW_TEST_PG_URL` names a running server (e.g. one `.ci/run` started), that server is
 * used instead and only the databases are created. The scratch folder is removed by the same
 * reaper that stops the server (after it), not by scratch()'s exit hook.
 *
 * PostgreSQL refuses to run as root: as root, the cluster is created and run as the `postgres`
 * user (Debian's package creates it), in a scratch folder it owns.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import { reapWhenGone } from "./_reaper.ts";
import { postgresBin } from "./_requires.ts";

let cluster: Promise<string> | null = null;
let dbCounter = 0;

function asPostgres(args: string[]): string[] {
  return process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--", ...args] : args;
}

function run(args: string[]): void {
  const full = asPostgres(args);
  const r = spawnSync(full[0]!, full.slice(1), { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${args[0]} failed (${r.status}): ${(r.stderr || r.stdout).trim()}`);
}

async function startCluster(): Promise<string> {
  if (process.env.LW_TEST_PG_URL) return process.env.LW_TEST_PG_URL;
  const initdb = postgresBin("initdb");
  const pgCtl = postgresBin("pg_ctl");
  if (!initdb || !pgCtl) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");
  const root = mkdtempSync(join(tmpdir(), "lw-pg-"));
  const data = join(root, "data");
  const sock = join(root, "sock");
  mkdirSync(sock);
  if (process.getuid?.() === 0) {
    // The postgres user must reach the folder: the test runner's private temp folder is 0700
    // (root's); let others traverse it (not list it).
    const parent = dirname(root);
    chmodSync(parent, statSync(parent).mode | 0o011);
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(root, uid, gid);
    chownSync(sock, uid, gid);
  }
  run([initdb, "-D", data, "-U", "lw", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  // No TCP listener: the socket folder is private to this test process.
  const opts = `-c listen_addresses='' -c unix_socket_directories=${sock} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  run([pgCtl, "-D", data, "-o", opts, "-w", "-s", "-l", join(root, "log"), "start"]);
  // Stopped when this process ends, however it ends (a clean exit, or a test runner's kill).
  const stop = asPostgres([pgCtl, "-D", data, "-m", "immediate", "-s", "-w", "stop"])
    .map((a) => `'${a}'`)
    .join(" ");
  reapWhenGone(`${stop} >/dev/null 2>&1; rm -rf '${root}'`);
  // And at once on a normal exit, so no folder is left for the suite's leftover check.
  process.prependOnceListener("exit", () => {
    const full = asPostgres([pgCtl, "-D", data, "-m", "immediate", "-s", "-w", "stop"]);
    spawnSync(full[0]!, full.slice(1), { timeout: 30_000 });
    rmSync(root, { recursive: true, force: true });
  });
  return `postgres://lw@localhost/postgres?host=${encodeURIComponent(sock)}`;
}

/** The URL of the test cluster's maintenance database (starting the cluster on first use). */
export function pgCluster(): Promise<string> {
  cluster ??= startCluster();
  return cluster;
}

/** A new, empty database on the test cluster; returns its URL. */
export async function pgDatabase(prefix = "lw"): Promise<string> {
  const base = await pgCluster();
  const name = `${prefix}_${process.pid}_${++dbCounter}`;
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${name}`);
  } finally {
    await c.end();
  }
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}
