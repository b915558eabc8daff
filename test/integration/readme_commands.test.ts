// The READMEs' commands, run as written: edge/README.md's curl upload pasted into bash (the
// quoted -F arguments), and every `lw` command of README.md's tables answering --help (so the
// manual names no command that does not exist).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, scratch } from "../_util.ts";
import { ADMIN, fixture, startTestServer, type TestServer } from "./_server.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const edgeReadme = readFileSync(join(repoRoot, "edge", "README.md"), "utf8");

describe("README commands", { timeout: 120_000 }, () => {
  let s: TestServer;
  const dir = scratch("lw-readme-");
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.close();
  });

  test("edge/README.md's curl upload works pasted into bash", async () => {
    const line = /`(curl -fsS -X POST "\$URL\/v1\/learnwares"[^`]+)`/.exec(edgeReadme)?.[1];
    assert.ok(line, "the curl upload line is in edge/README.md");
    const fx = fixture(2, " (curl)");
    writeFileSync(join(dir, "sem.json"), JSON.stringify(fx.semantic));
    writeFileSync(join(dir, "big.zip"), fx.zip);
    const out = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const c = spawn("bash", ["-c", line], { cwd: dir, env: { ...process.env, URL: s.url, T: ADMIN }, timeout: 60_000, killSignal: "SIGKILL" });
      let o = "",
        e = "";
      c.stdout.on("data", (d) => (o += d));
      c.stderr.on("data", (d) => (e += d));
      c.on("close", (code) => resolve({ code, out: o, err: e }));
    });
    assert.equal(out.code, 0, out.err);
    const body = JSON.parse(out.out) as { learnware: { id: string; name: string } };
    assert.match(body.learnware.id, /^\d{8}$/);
  });

  test("every lw command in README.md's tables exists (--help exits 0)", () => {
    const paths = new Set<string>();
    for (const m of readme.matchAll(/^\| `lw ([a-z-]+)((?: [a-z-]+(?:\\\|[a-z-]+)*)?)/gm)) {
      const [cmd, rest] = [m[1]!, (m[2] ?? "").trim()];
      if (rest === "") paths.add(cmd);
      else for (const sub of rest.split("\\|")) paths.add(`${cmd} ${sub}`);
    }
    assert.ok(paths.size >= 15, `found ${[...paths].join(", ")}`);
    for (const p of paths) {
      const r = spawnSync(process.execPath, [join(repoRoot, "cli", "lw.js"), ...p.split(" "), "--help"], { encoding: "utf8" });
      assert.equal(r.status, 0, `lw ${p} --help: ${r.stderr}`);
      assert.match(r.stdout, /^Usage: lw /);
    }
  });
});
