// The `lw` conventions, checked on the real binary (cli/lw.js in a child process) as gh/git/hf
// users expect them: --help on every command and sub-command (exit 0), --version, the exit-code
// table (0 ok, 1 failure, 2 usage), one server setting, --json on commands that print data,
// tables with headers, `lw login` storing a token (0600) used by later commands, delete with
// --yes, and `npm run lw` identical to `npx lw` (same wasm kernels).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, fixture, startTestServer, type TestServer } from "../test/integration/_server.ts";
import { repoRoot, scratch } from "../test/_util.ts";
import { EXIT_CODES, HELP } from "./help.ts";

const lwBin = join(repoRoot, "cli", "lw.js");
const dir = scratch("lw-conv-");
const config = join(dir, "xdg", "lw", "config.json");
const baseEnv = { LW_SERVER: "", LW_SERVER_URL: "", LW_TOKEN: "", LW_CONFIG: "", XDG_CONFIG_HOME: join(dir, "xdg") };

function lw(args: string[], env: Record<string, string> = {}, input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [lwBin, ...args], { cwd: dir, env: { ...process.env, ...baseEnv, ...env } });
    let out = "",
      err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
    child.stdin.end(input ?? "");
  });
}

/** Runs `fn` over `items`, two at a time (the machine has two cores). */
async function pairwise<T, R>(items: T[], fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 2) out.push(...(await Promise.all(items.slice(i, i + 2).map(fn))));
  return out;
}

describe("lw conventions (offline)", () => {
  test("--help on every command and sub-command, and lw help <cmd>, exit 0 with its usage", async () => {
    const paths = HELP.map((e) => e.path);
    const got = await pairwise(paths, async (p) => ({ p, flag: await lw([...p.split(" "), "--help"]), short: await lw(["help", ...p.split(" ")]) }));
    for (const { p, flag, short } of got) {
      assert.equal(flag.code, 0, `lw ${p} --help: ${flag.err}`);
      assert.match(flag.out, new RegExp(`^Usage: lw ${p.replace(/ /g, " ")}\\b`), `lw ${p} --help`);
      assert.ok(flag.out.includes(EXIT_CODES), `lw ${p} --help states the exit codes`);
      assert.equal(short.out, flag.out, `lw help ${p} = lw ${p} --help`);
    }
    // -h, and --help among other arguments of a leaf command.
    const h = await lw(["models", "log", "12345678", "1", "acc=1", "-h"]);
    assert.equal(h.code, 0);
    assert.match(h.out, /^Usage: lw models log ID VERSION key=value/);
    // A group lists its sub-commands.
    const g = await lw(["models", "--help"]);
    for (const sub of ["list", "delete", "put-artifact"]) assert.match(g.out, new RegExp(`lw models ${sub}`));
  });

  test("--version and -V print the package version and the kernel backend", async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = await lw([flag]);
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`^lw ${pkg.version.replace(/\./g, "\\.")} \\(learnware-ts; Node [\\d.]+; kernels wasm-simd`));
    }
  });

  test("npm run lw is npx lw: the same entry point and the same wasm kernels", async () => {
    const direct = spawnSync(process.execPath, [lwBin, "--version"], { encoding: "utf8", env: { ...process.env, ...baseEnv } });
    const viaNpm = spawnSync("npm", ["run", "-s", "lw", "--", "--version"], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, ...baseEnv } });
    assert.equal(viaNpm.status, 0, viaNpm.stderr);
    assert.equal(viaNpm.stdout, direct.stdout);
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string>; bin: Record<string, string> };
    assert.equal(pkg.scripts["lw"], `node ${pkg.bin["lw"]!.replace(/^\.\//, "")}`);
  });

  test("exit codes: 2 for usage (unknown command, option, missing argument), 1 for an INVALID verdict", async () => {
    for (const args of [["frobnicate"], ["spec", "generate", "--bogus"], ["download"], ["help", "frobnicate"], ["serve", "extra"]]) {
      const r = await lw(args);
      assert.equal(r.code, 2, `lw ${args.join(" ")}: ${r.err}`);
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
      assert.match(r.err, /^lw: /);
    }
    writeFileSync(join(dir, "bad-semantic.json"), JSON.stringify({ Data: { Type: "Class", Values: ["Spreadsheet"] } }));
    const v = await lw(["check", "semantic", "bad-semantic.json"]);
    assert.equal(v.code, 1, v.err);
    assert.match(v.out, /^INVALID \(-1\)/);
  });

  test("the README states the same exit-code table", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    assert.match(readme, /Exit codes: `0` ok; `1` failure:[\s\S]{0,200}INVALID/);
    assert.match(readme, /`2` usage/);
  });
});

describe("lw conventions (against a server)", { timeout: 180_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ LW_SEED_DEMO: "true" });
  });
  after(async () => {
    await server?.close();
  });

  test("API refusals and an unreachable server are failures (exit 1), not usage errors", async () => {
    const nf = await lw(["download", "99999999", "--server", server.url]);
    assert.equal(nf.code, 1, nf.err);
    assert.match(nf.err, /404 NOT_FOUND/);
    const down = await lw(["tokens", "whoami", "--server", "http://127.0.0.1:9"]);
    assert.equal(down.code, 1, down.err);
  });

  test("lw login stores the token in the XDG config file (0600); later commands use it without flags", async () => {
    const bad = await lw(["login", "--server", server.url, "--token", "lw_not_a_token"]);
    assert.equal(bad.code, 1, bad.err);
    const r = await lw(["login", "--server", server.url], {}, `${ADMIN}\n`);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`logged in to ${server.url.replace(/[.]/g, "\\.")} as \\S+ \\(.*admin`));
    assert.equal(statSync(config).mode & 0o777, 0o600);
    const stored = JSON.parse(readFileSync(config, "utf8"));
    assert.equal(stored.server, server.url.replace(/\/+$/, ""));
    // No --server, no LW_SERVER, no token: all from the config file.
    const who = await lw(["tokens", "whoami", "--json"]);
    assert.equal(who.code, 0, who.err);
    assert.ok(JSON.parse(who.out).scopes.includes("admin"));
    // The environment wins over the file.
    const envWins = await lw(["tokens", "whoami"], { LW_SERVER: "http://127.0.0.1:9" });
    assert.equal(envWins.code, 1);
    assert.match(envWins.err, /Cannot reach the server at http:\/\/127\.0\.0\.1:9/);
    // LW_SERVER_URL is still read, with a deprecation notice.
    const legacy = await lw(["tokens", "whoami", "--json"], { LW_SERVER_URL: server.url, XDG_CONFIG_HOME: join(dir, "empty"), LW_TOKEN: ADMIN });
    assert.equal(legacy.code, 0, legacy.err);
    assert.match(legacy.err, /LW_SERVER_URL is deprecated; set LW_SERVER/);
    const out = await lw(["logout"]);
    assert.equal(out.code, 0, out.err);
    const after = await lw(["tokens", "whoami"]);
    assert.notEqual(after.code, 0, "no server after logout");
  });

  test("lw search finds its server as every command does: LW_SERVER, or the one lw login stored", async () => {
    const spec = join(dir, "search-stat.json");
    writeFileSync(spec, JSON.stringify(fixture(0).stat));
    const viaEnv = await lw(["search", "--spec", spec, "--json"], { LW_SERVER: server.url, LW_TOKEN: ADMIN });
    assert.equal(viaEnv.code, 0, viaEnv.err);
    assert.ok(Array.isArray(JSON.parse(viaEnv.out).single));
    assert.equal((await lw(["login", "--server", server.url, "--token", ADMIN])).code, 0);
    const viaLogin = await lw(["search", "--spec", spec, "--json"]);
    assert.equal(viaLogin.code, 0, viaLogin.err);
    assert.deepEqual(JSON.parse(viaLogin.out).single, JSON.parse(viaEnv.out).single);
    assert.equal((await lw(["logout"])).code, 0);
    const none = await lw(["search", "--spec", spec]);
    assert.equal(none.code, 2, "no market and no server is a usage error");
    assert.match(none.err, /search needs --market or --server \(or LW_SERVER, or lw login\)/);
  });

  test("--json on the commands that print data; tables have a header row", async () => {
    const env = { LW_SERVER: server.url, LW_TOKEN: ADMIN };
    const list = await lw(["models", "list"], env);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out.split("\n")[0]!, /^ID +KIND +NAME +LATEST STATUS/);
    assert.ok(Array.isArray(JSON.parse((await lw(["models", "list", "--json"], env)).out).items));
    const tokens = await lw(["tokens", "list"], env);
    assert.match(tokens.out.split("\n")[0]!, /^ID +OWNER +SCOPES +STATE +NAME/);
    const created = JSON.parse((await lw(["models", "create", "conv", "m1", "--json"], env)).out) as { id: string };
    const v = JSON.parse((await lw(["models", "new-version", created.id, "--json"], env)).out) as { number: number };
    assert.equal(v.number, 1);
    const tag = await lw(["models", "tag", created.id, "prod", "1", "--json"], env);
    assert.equal(tag.code, 0, tag.err);
    JSON.parse(tag.out);
    const logged = JSON.parse((await lw(["models", "log", created.id, "1", "auc=0.5", "--json"], env)).out);
    assert.equal(logged.logged, 1);
    const versions = await lw(["models", "versions", created.id], env);
    assert.match(versions.out.split("\n")[0]!, /^VERSION +LABEL +STATUS +FRAMEWORK +CREATED +TAGS/);
  });

  test("lw delete and lw models delete need --yes, then delete", async () => {
    const env = { LW_SERVER: server.url, LW_TOKEN: ADMIN };
    const fx = fixture(1, " (to delete)");
    writeFileSync(join(dir, "del.zip"), fx.zip);
    writeFileSync(join(dir, "del.sem.json"), JSON.stringify(fx.semantic));
    const up = await lw(["upload", "del.zip", "--semantic", "del.sem.json", "--json"], env);
    assert.equal(up.code, 0, up.err);
    const id = (JSON.parse(up.out) as { learnware: { id: string } }).learnware.id;
    const noYes = await lw(["delete", id], env);
    assert.equal(noYes.code, 2);
    assert.match(noYes.err, /cannot be undone: add --yes/);
    const del = await lw(["delete", id, "--yes", "--json"], env);
    assert.equal(del.code, 0, del.err);
    assert.deepEqual(JSON.parse(del.out), { deleted: id, kind: "learnware" });
    assert.equal((await lw(["download", id], env)).code, 1, "gone");
    const m = JSON.parse((await lw(["models", "create", "conv", "to-delete", "--json"], env)).out) as { id: string };
    const mdel = await lw(["models", "delete", m.id, "--yes"], env);
    assert.equal(mdel.code, 0, mdel.err);
    assert.equal((await lw(["models", "get", m.id], env)).code, 1);
  });
});
