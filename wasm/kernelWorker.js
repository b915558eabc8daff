// A kernel helper thread for the parallel wasm backend (wasm/parallel.ts).
//
// Plain JavaScript on purpose: it runs unchanged as a Node worker_threads worker, a Deno
// worker and a browser Web Worker, with no TypeScript loader. It receives the compiled
// kernels-mt.wasm module, the shared linear memory and a control block once, then serves
// fork–join jobs: wait on ctrl[SEQ], call the named export with the f64 arguments, publish
// ctrl[DONE] and notify. Between jobs it sleeps in Atomics.wait (no spinning).

const SEQ = 0,
  DONE = 1,
  FN = 2,
  ARGC = 3,
  STATUS = 4;
const ARGS_BYTE_OFFSET = 64;

function serve(init, post) {
  const { module, memory, control, stackTop, names } = init;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const ex = instance.exports;
  // Each instance has its own __stack_pointer global; give this thread its own stack.
  ex.__stack_pointer.value = stackTop;
  const ctrl = new Int32Array(control);
  const args = new Float64Array(control, ARGS_BYTE_OFFSET);
  const fns = names.map((n) => ex[n]);
  post("ready");
  let seen = Atomics.load(ctrl, SEQ);
  for (;;) {
    Atomics.wait(ctrl, SEQ, seen);
    seen = Atomics.load(ctrl, SEQ);
    const fn = ctrl[FN];
    if (fn < 0) break;
    const argc = ctrl[ARGC];
    let status = 0;
    try {
      fns[fn](...Array.prototype.slice.call(args, 0, argc));
    } catch {
      status = 1;
    }
    ctrl[STATUS] = status;
    Atomics.store(ctrl, DONE, seen);
    Atomics.notify(ctrl, DONE);
  }
}

const isNode = typeof globalThis.process === "object" && !!globalThis.process?.versions?.node && typeof globalThis.Deno === "undefined";
if (isNode) {
  const { parentPort } = await import("node:worker_threads");
  parentPort.once("message", (init) => serve(init, (m) => parentPort.postMessage(m)));
} else {
  globalThis.addEventListener("message", (e) => serve(e.data, (m) => globalThis.postMessage(m)), { once: true });
}
