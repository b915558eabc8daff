/**
 * Node's native CRC-32 (`zlib.crc32`, Node ≥ 20.15) behind core's `crc32`, loaded for its
 * effect by the Node preload (`./preload.ts`: server, runner, CLI, tests) and by the package
 * inspection threads. Where Node lacks it, core keeps its slicing-by-8 tables.
 */
import * as zlib from "node:zlib";
import { setCrc32Implementation } from "../core/package/crc32.ts";

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
if (typeof native === "function") setCrc32Implementation((data, crc) => native(data, crc));
