import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { NodeBackend } from "../../runner/backends/node.ts";
import { sandbox } from "./_sandbox.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { buildRegisteredPackage, expandArtifactGlob, registerModel } from "../../runner/register.ts";
import { runRegisterCommand } from "../../cli/commands/register.ts";
import { tensor, toNested } from "../../runner/tensor.ts";
import { ADMIN, startEdge } from "./_edge.ts";
import { randomData, scratch, semantic } from "./_fixtures.ts";

const dir = scratch("lw-reg-");
const edge = await startEdge(join(dir, "server"));
after(() => edge.close());

const runnerFile = join(dir, "runner.mjs");
writeFileSync(
  runnerFile,
  `
import { readFileSync } from "node:fs";
export const input_shape = [3];
export const output_shape = [1];
export const runner = {
  saveModel(model) { return { scale: model.scale }; },
  loadModel(props, artifacts) {
    const offset = Number(readFileSync(artifacts.get("weights/offset-1.txt"), "utf8"));
    return { scale: props.scale, offset };
  },
  predict(model, X) { return X.map((r) => [r[0] * model.scale + model.offset]); },
};
`,
);
mkdirSync(join(dir, "out", "sub"), { recursive: true });
writeFileSync(join(dir, "out", "offset-1.txt"), "10");
writeFileSync(join(dir, "out", "offset-2.txt"), "20");
writeFileSync(join(dir, "out", "other.txt"), "x");

test("artifact globs allow a trailing * only", () => {
  assert.deepEqual(
    expandArtifactGlob(join(dir, "out", "offset-*")).map((p) => p.slice(dir.length)),
    ["/out/offset-1.txt", "/out/offset-2.txt"],
  );
  assert.throws(() => expandArtifactGlob(join(dir, "out", "*.txt")), /may only have '\*' at the end/);
});

test("registerModel packs runner hooks, saved props, requirements, artifacts and an RKME, uploads, and the package runs", async () => {
  const r = await registerModel({
    repository: "scaler",
    create: true,
    runner: runnerFile,
    model: { scale: 2, junk: "not saved" },
    requirements: [],
    artifacts: { "weights/": join(dir, "out", "offset-*") },
    semantic: semantic({ task: "Regression", inDim: 3, outDim: 1 }),
    data: randomData(40, 3),
    server: edge.url,
    token: ADMIN,
  });
  assert.equal(r.version, 1);
  assert.ok(r.files.includes("artifacts/weights/offset-2.txt"));
  const zip = new Uint8Array(
    await (await fetch(`${edge.url}/v1/learnwares/${r.learnwareId}/versions/1/package`, { headers: { authorization: `Bearer ${ADMIN}` } })).arrayBuffer(),
  );
  const pkg = readLearnwarePackage(zip);
  assert.equal(pkg.model.kind, "js");
  assert.deepEqual(pkg.model.kwargs, { scale: 2, input_shape: [3], output_shape: [1] });
  const h = await new NodeBackend("js", { sandbox, workDir: join(dir, "node") }).load(await materializePackage(zip, join(dir, "pkgs")));
  assert.deepEqual(
    toNested(
      await h.predict(
        tensor([
          [1, 0, 0],
          [5, 0, 0],
        ]),
      ),
    ),
    [[12], [20]],
  );
  await h.dispose();

  // A new version of the same learnware, with the expected number.
  const v2 = await registerModel({
    repository: r.learnwareId,
    number: 2,
    runner: runnerFile,
    model: { scale: 3 },
    artifacts: { "weights/": join(dir, "out", "offset-*") },
    semantic: semantic({ task: "Regression", inDim: 3, outDim: 1 }),
    data: randomData(40, 3),
    server: edge.url,
    token: ADMIN,
  });
  assert.equal(v2.version, 2);
  assert.equal(v2.learnwareId, r.learnwareId);

  // A wrong number is refused before anything is uploaded: the learnware stays at version 2.
  await assert.rejects(
    registerModel({
      repository: r.learnwareId,
      number: 7,
      runner: runnerFile,
      model: { scale: 3 },
      semantic: semantic({ task: "Regression", inDim: 3, outDim: 1 }),
      data: randomData(40, 3),
      server: edge.url,
      token: ADMIN,
    }),
    (e: any) => e.code === "CONFLICT" && /would get version 3, not 7; nothing was uploaded/.test(e.message),
  );
  const after = (await (await fetch(`${edge.url}/v1/learnwares/${r.learnwareId}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
    latestVersion: number;
  };
  assert.equal(after.latestVersion, 2);
});

test("lw register (runRegisterCommand) registers a Python learnware with requirements", async () => {
  const py = join(dir, "model.py");
  writeFileSync(
    py,
    "import numpy as np\nfrom learnware.model import BaseModel\nclass Net(BaseModel):\n    def __init__(self):\n        super().__init__(input_shape=(3,), output_shape=(1,))\n    def predict(self, X):\n        return X[:, :1]\n",
  );
  const sem = join(dir, "sem.json");
  writeFileSync(sem, JSON.stringify(semantic({ task: "Regression", inDim: 3, outDim: 1 })));
  const data = join(dir, "data.json");
  writeFileSync(data, JSON.stringify(Array.from({ length: 30 }, (_, i) => [i, i % 3, Math.sin(i)])));
  const out: string[] = [],
    err: string[] = [];
  const code = await runRegisterCommand(
    [
      "--repository",
      "py-net",
      "--create",
      "--runner",
      py,
      "--class",
      "Net",
      "--semantic",
      sem,
      "--data",
      data,
      "--requirement",
      "numpy>=1.20",
      "--server",
      edge.url,
      "--token",
      ADMIN,
    ],
    { out: (s) => out.push(s), err: (s) => err.push(s) },
  );
  assert.equal(code, 0, err.join("\n"));
  const r = JSON.parse(out.join("\n")) as { files: string[]; version: number };
  assert.deepEqual(r.files.sort(), ["__init__.py", "learnware.yaml", "requirements.txt", "stat.json"]);
  // --number N: the version is created and the command reports success (exit 0), never failure after creating it
  const common = ["--runner", py, "--class", "Net", "--semantic", sem, "--data", data, "--server", edge.url, "--token", ADMIN];
  const id = (r as unknown as { learnwareId: string }).learnwareId;
  out.length = 0;
  const numbered = await runRegisterCommand(["--repository", id, "--number", "2", ...common], { out: (s) => out.push(s), err: (s) => err.push(s) });
  assert.equal(numbered, 0, err.join("\n"));
  assert.equal((JSON.parse(out.join("\n")) as { version: number }).version, 2);
  const created = await runRegisterCommand(["--repository", "py-net-numbered", "--create", "--number", "1", ...common], {
    out: () => {},
    err: (s) => err.push(s),
  });
  assert.equal(created, 0, err.join("\n"));
  err.length = 0;
  const wrong = await runRegisterCommand(["--repository", id, "--number", "5", ...common], { out: () => {}, err: (s) => err.push(s) });
  assert.equal(wrong, 1);
  assert.match(err.join("\n"), /would get version 3, not 5; nothing was uploaded/);
  const bad = await runRegisterCommand(["--repository", "x"], { out: () => {}, err: (s) => err.push(s) });
  assert.equal(bad, 2);
  assert.match(err.join("\n"), /missing --runner, --semantic/);
});

test("buildRegisteredPackage refuses to pack without data for the stat spec", async () => {
  await assert.rejects(buildRegisteredPackage({ runner: runnerFile, semantic: {} }), /needs data/);
});
