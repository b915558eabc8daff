/**
 * The docker backend with the real engine and the locally built base image
 * (`runner/docker/build-base-image.sh`): learnwares run as `nobody` in a container with no
 * network and the learnware mounted read-only. Proves that a malicious learnware cannot
 * read a host file outside its folder nor open a network connection, and that a hanging or
 * memory-hungry model is killed at its limit without hurting another instance.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DockerBackend } from "../../runner/backends/docker.ts";
import { VenvBackend } from "../../runner/backends/pythonVenv.ts";
import type { WorkerModelHandle } from "../../runner/worker/workerModel.ts";
import { checkLearnware } from "../../runner/check/checkLearnware.ts";
import { materializePackage } from "../../runner/learnwareDir.ts";
import { tensor } from "../../runner/tensor.ts";
import { numpyPackage, pythonPackage, scratch, semantic } from "./_fixtures.ts";
import { createSandbox } from "../../runner/sandbox/sandbox.ts";
import { requires } from "../_requires.ts";

// Needs the engine and the base image (`npm run docker:base`); the control run outside the
// sandbox needs python3 + numpy in a venv. Under LW_CI=1 a missing part fails instead.
describe("docker backend", requires("docker-base-image", "python3-numpy", "python3-venv"), async () => {
  const dir = scratch("lw-docker-");
  const backend = new DockerBackend({ envDir: join(dir, "envs"), memoryLimitBytes: 256 * 1024 * 1024 });
  const avail = await backend.available();
  const pkgs = join(dir, "pkgs");
  const handles: WorkerModelHandle[] = [];
  after(async () => {
    for (const h of handles) await h.dispose();
  });

  // The backend's own availability check agrees with the test's detection.
  test("the docker engine and base image are available", () => {
    assert.ok(avail.ok, `docker backend unavailable: ${avail.ok ? "" : avail.reason}`);
  });

  test("a numpy learnware passes the check inside a container", async () => {
    const r = await checkLearnware({
      lw: await materializePackage(numpyPackage(3, 2), pkgs),
      semantic: semantic({ task: "Regression", inDim: 3, outDim: 2 }),
      backend,
      id: "np-docker",
    });
    assert.equal(r.status, "usable", r.log.join("\n"));
    assert.match(r.log.join("\n"), /requirements: none declared/);
  });

  test("a malicious learnware cannot read host files outside its folder, write its folder, nor reach the network", async () => {
    const secretFile = join(dir, "host-secret.txt");
    writeFileSync(secretFile, "TOP-SECRET");
    // A host TCP server the model will try to reach (loopback and the host's addresses).
    const server = createServer((s) => {
      s.on("error", () => {}); // the model closes at once: resets are expected
      s.end("hello");
    }).listen(0, "0.0.0.0");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as AddressInfo).port;
    const src = `import os, socket
import numpy as np
from learnware.model import BaseModel

def attempt(fn):
    try:
        fn()
        return 1.0
    except Exception:
        return 0.0

class Model(BaseModel):
    def __init__(self, secret, port):
        super().__init__(input_shape=(1,), output_shape=(5,))
        self.secret, self.port = secret, port

    def predict(self, X):
        def read_secret():
            with open(self.secret) as f:
                assert f.read() == "TOP-SECRET"
        def read_root_home():
            os.listdir("/root")
        def write_own_folder():
            with open("pwned.txt", "w") as f:
                f.write("x")
        def connect_host():
            for host in ("127.0.0.1", "172.17.0.1", "10.0.0.1"):
                try:
                    socket.create_connection((host, self.port), timeout=1).close()
                    return
                except OSError:
                    pass
            raise OSError("no route")
        def connect_internet():
            socket.create_connection(("1.1.1.1", 53), timeout=2).close()
        row = [attempt(read_secret), attempt(read_root_home), attempt(write_own_folder), attempt(connect_host), attempt(connect_internet)]
        return np.array([row] * len(X))
`;
    try {
      const lw = await materializePackage(pythonPackage(src, { d: 1, kwargs: { secret: secretFile, port } }), pkgs);
      // Control: without a sandbox (LW_SANDBOX=none) the same code does read the secret and reach the host.
      const host = await new VenvBackend({ sandbox: createSandbox({ mode: "none" }), envDir: join(dir, "envs") }).load(lw);
      const yHost = await host.predict(tensor([[0]]));
      await host.dispose();
      assert.equal(yHost.data[0], 1, "control: the venv worker reads the host secret");
      assert.equal(yHost.data[3], 1, "control: the venv worker reaches the host server");
      const h = await backend.load(lw);
      handles.push(h);
      const y = await h.predict(tensor([[0]]));
      assert.deepEqual([...y.data], [0, 0, 0, 0, 0], "read secret, list /root, write own folder, connect host, connect internet must all fail");
    } finally {
      server.close();
    }
  });

  test("a hanging model is killed at its timeout, a memory hog at its memory limit; another instance keeps working", async () => {
    const hang = await materializePackage(
      numpyPackage(
        2,
        1,
        `
    def fit(self, X, y):
        import time
        time.sleep(120)
`,
      ),
      pkgs,
    );
    const hog = await materializePackage(
      numpyPackage(
        2,
        1,
        `
    def finetune(self, X, y):
        blocks = [np.ones(1 << 20) for _ in range(200)]  # 1.6 GB
`,
      ),
      pkgs,
    );
    const [bystander, h1, h2] = await Promise.all([
      backend.load(await materializePackage(numpyPackage(2, 1), pkgs)),
      backend.load(hang, { timeoutMs: 3000 }),
      backend.load(hog, { memoryLimitBytes: 128 * 1024 * 1024 }),
    ]);
    handles.push(bystander, h1, h2);
    const [r1, r2, r3] = await Promise.allSettled([
      h1.fit(tensor([[1, 2]]), tensor([1])),
      h2.finetune(tensor([[1, 2]]), tensor([1])),
      bystander.predict(tensor([[1, 2]])),
    ]);
    assert.equal(r1.status, "rejected");
    assert.equal((r1 as PromiseRejectedResult).reason.code, "TIMEOUT");
    assert.equal(r2.status, "rejected");
    assert.equal((r2 as PromiseRejectedResult).reason.code, "MEMORY_LIMIT", (r2 as PromiseRejectedResult).reason.message);
    assert.equal(r3.status, "fulfilled");
    assert.deepEqual([...(await bystander.predict(tensor([[1, 2]]))).data], [1]);
  });
});
