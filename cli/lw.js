#!/usr/bin/env node
// The `lw` command: registers tsx so the TypeScript sources run as they are, then starts the CLI.
import { register } from "tsx/esm/api";
register();
await import("../wasm/preload.ts"); // the wasm SIMD kernel backend (LW_KERNEL_BACKEND picks another)
await import("./main.ts");
