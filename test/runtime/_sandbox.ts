/**
 * The sandbox the runtime tests run learnwares in: bubblewrap, as in production. Where it
 * cannot start, the tests that need it are skipped with one line naming the part, except
 * under `LW_CI=1`, where nothing may skip.
 */
import { createSandbox } from "../../runner/sandbox/sandbox.ts";

export const sandbox = createSandbox({ mode: "bwrap" });
const avail = await sandbox.check();

/** `skip` option for node:test: false when the sandbox works (or under LW_CI=1). */
export const needsSandbox: false | string =
  avail.ok || process.env.LW_CI === "1" ? false : `skipped: needs bubblewrap (apt-get install bubblewrap): ${avail.reason}`;
