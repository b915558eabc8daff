/**
 * Environments that install and gate (python-venv, real pip, real sandbox): requirements and
 * an `environment.yaml`'s dependencies are installed from the configured wheelhouse; a
 * requirement pip cannot satisfy from it makes the check INVALID with pip's reason, while an
 * unreachable index is the runner's failure (the check stays pending).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { zipSync } from "fflate";
import { spawnSync } from "node:child_process";
import { DockerBackend } from "../../runner/backends/docker.ts";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { condaRequirements, condaSpecToPip, pipFailure } from "../../runner/env/requirements.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { DOCKER_BASE_IMAGE, requires } from "../_requires.ts";
import { pythonPackage, scratch, semantic } from "./_fixtures.ts";
import { sandbox } from "./_sandbox.ts";

/** A pure-Python wheel made by hand (no build tools, no index): `tinydep` with VALUE = 42. */
function tinyWheel(dir: string): void {
  const files: Record<string, string> = {
    "tinydep/__init__.py": "VALUE = 42\n",
    "tinydep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
    "tinydep-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: lw-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
  };
  const digest = (s: string) => createHash("sha256").update(s).digest("base64url");
  const record = Object.entries(files).map(([p, c]) => `${p},sha256=${digest(c)},${Buffer.byteLength(c)}`);
  files["tinydep-1.0.dist-info/RECORD"] = `${record.join("\n")}\ntinydep-1.0.dist-info/RECORD,,\n`;
  const enc = new TextEncoder();
  writeFileSync(join(dir, "tinydep-1.0-py3-none-any.whl"), zipSync(Object.fromEntries(Object.entries(files).map(([p, c]) => [p, enc.encode(c)]))));
}

const MODEL = `import numpy as np
import tinydep
from learnware.model import BaseModel

class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(3,), output_shape=(1,))

    def predict(self, X):
        return np.asarray(X).sum(axis=1, keepdims=True) * tinydep.VALUE
`;
const PLAIN = `import numpy as np
from learnware.model import BaseModel

class Model(BaseModel):
    def __init__(self):
        super().__init__(input_shape=(3,), output_shape=(1,))

    def predict(self, X):
        return np.asarray(X).sum(axis=1, keepdims=True)
`;

test("conda match specs become pip requirements; pip's answers are told apart", () => {
  assert.equal(condaSpecToPip("numpy=1.24"), "numpy==1.24");
  assert.equal(condaSpecToPip("conda-forge::scipy>=1.10"), "scipy>=1.10");
  assert.equal(condaSpecToPip("pandas 2.0.*"), "pandas==2.0.*");
  assert.equal(condaSpecToPip("pytorch=2.1=py3.11_cpu"), "torch==2.1");
  assert.equal(condaSpecToPip("python=3.11"), null);
  assert.equal(condaSpecToPip("pip"), null);
  assert.equal(
    condaRequirements("name: x\nchannels: [defaults]\ndependencies:\n  - python=3.11\n  - numpy>=1.20\n  - pip\n  - pip:\n    - tinydep==1.0\n"),
    "numpy>=1.20\ntinydep==1.0",
  );
  const unsat = pipFailure(
    "ERROR: Could not find a version that satisfies the requirement definitely-not-a-real-package==9.9 (from versions: none)\nERROR: No matching distribution found for definitely-not-a-real-package==9.9\n",
  );
  assert.equal(unsat.code, "REQUIREMENT_UNSATISFIABLE");
  assert.match(unsat.message, /requirement definitely-not-a-real-package==9\.9 cannot be satisfied/);
  const infra = pipFailure(
    "WARNING: Retrying (Retry(total=0, ...)) after connection broken by 'NewConnectionError(...: Failed to establish a new connection: [Errno 111] Connection refused')\nERROR: Could not find a version that satisfies the requirement tinydep==1.0 (from versions: none)\nERROR: No matching distribution found for tinydep==1.0\n",
  );
  assert.equal(infra.code, "ENV_FAILED");
});

describe("python-venv installs from the configured wheelhouse and gates on pip's answer", requires("python3-numpy", "python3-venv", "bwrap"), () => {
  const dir = scratch();
  const wheelhouse = join(dir, "wheels");
  mkdirSync(wheelhouse, { recursive: true });
  tinyWheel(wheelhouse);
  const backend = new VenvBackend({ sandbox, envDir: join(dir, "envs"), wheelhouse });
  const pkgs = join(dir, "pkgs");
  const sem = semantic({ task: "Regression", inDim: 3, outDim: 1 });
  const check = async (src: string, files: Record<string, string>, b = backend) =>
    checkLearnware({ lw: await materializePackage(pythonPackage(src, { d: 3, files }), pkgs), semantic: sem, backend: b, id: "env" });

  test("requirements.txt and environment.yaml's dependencies are installed (every Python backend reads both)", async () => {
    const req = await check(MODEL, { "requirements.txt": "tinydep==1.0\n" });
    assert.equal(req.status, "usable", req.log.join("\n"));
    assert.match(req.log.join("\n"), /requirements: all 1 satisfied \(installed from the configured index\)/);
    const conda = await check(MODEL, { "environment.yaml": "name: lw\ndependencies:\n  - python=3.11\n  - tinydep=1.0\n  - pip\n" });
    assert.equal(conda.status, "usable", conda.log.join("\n"));
    assert.match(conda.log.join("\n"), /environment.yaml found; its dependencies as pip requirements: tinydep==1\.0/);
  });

  test("a requirement the wheelhouse cannot satisfy makes the check INVALID with pip's reason", async () => {
    const r = await check(PLAIN, { "requirements.txt": "definitely-not-a-real-package==9.9\n" });
    assert.equal(r.status, "invalid", r.log.join("\n"));
    assert.match(r.message ?? "", /requirement definitely-not-a-real-package==9\.9 cannot be satisfied .*No matching distribution|Could not find a version/);
    const conda = await check(PLAIN, { "environment.yaml": "dependencies:\n  - definitely-not-a-real-package=9.9\n" });
    assert.equal(conda.status, "invalid", conda.log.join("\n"));
  });

  test("an unreachable index is the runner's failure: the check stays pending", async () => {
    const offline = new VenvBackend({ sandbox, envDir: join(dir, "envs-offline"), pipIndexUrl: "http://127.0.0.1:9/simple" });
    const r = await check(MODEL, { "requirements.txt": "tinydep==1.0\n" }, offline);
    assert.equal(r.status, "error", r.log.join("\n"));
    assert.match(r.message ?? "", /pip could not install the requirements \(the runner's failure/);
    const missing = new VenvBackend({ sandbox, envDir: join(dir, "envs-nowheels"), wheelhouse: join(dir, "no-such-folder") });
    const m = await check(MODEL, { "requirements.txt": "tinydep==1.0\n" }, missing);
    assert.equal(m.status, "error", m.log.join("\n"));
  });
});

describe(
  "docker: the base image has pip, and the env image installs from the wheelhouse or refuses with pip's reason",
  requires("docker-base-image", "python3-numpy"),
  () => {
    const dir = scratch();
    const wheelhouse = join(dir, "wheels");
    mkdirSync(wheelhouse, { recursive: true });
    tinyWheel(wheelhouse);
    const backend = new DockerBackend({ envDir: join(dir, "envs"), wheelhouse, memoryLimitBytes: 256 * 1024 * 1024 });
    const pkgs = join(dir, "pkgs");
    const sem = semantic({ task: "Regression", inDim: 3, outDim: 1 });

    test("pip is in the base image (runner/docker/build-base-image.sh; rebuild with npm run docker:base)", () => {
      const r = spawnSync(process.env.LW_DOCKER ?? "docker", ["run", "--rm", "--network", "none", DOCKER_BASE_IMAGE, "python3", "-m", "pip", "--version"], {
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `no pip in ${DOCKER_BASE_IMAGE}: ${r.stderr}`);
      assert.match(r.stdout, /^pip \d+/);
    });

    test("requirements from the wheelhouse are installed; an unsatisfiable one is INVALID", async () => {
      const ok = await checkLearnware({
        lw: await materializePackage(pythonPackage(MODEL, { d: 3, files: { "requirements.txt": "tinydep==1.0\n" } }), pkgs),
        semantic: sem,
        backend,
        id: "dock-ok",
      });
      assert.equal(ok.status, "usable", ok.log.join("\n"));
      const bad = await checkLearnware({
        lw: await materializePackage(
          pythonPackage(PLAIN, { d: 3, files: { "environment.yaml": "dependencies:\n  - definitely-not-a-real-package=9.9\n" } }),
          pkgs,
        ),
        semantic: sem,
        backend,
        id: "dock-bad",
      });
      assert.equal(bad.status, "invalid", bad.log.join("\n"));
      assert.match(bad.message ?? "", /definitely-not-a-real-package==9\.9 cannot be satisfied/);
    });
  },
);
