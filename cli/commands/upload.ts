/** `lw upload`: a learnware package to a server, checked locally first, sent in resumable chunks. */
import { parseArgs } from "node:util";
import { basename } from "node:path";
import { LearnwareError } from "../../core/errors.ts";
import { readLearnwarePackage } from "../../core/package/readPackage.ts";
import { checkLearnwareStatic } from "../../core/check/packageCheck.ts";
import { ApiCliError, MarketClient, serverArgs, sha256Hex } from "../client.ts";
import { CliError } from "../errors.ts";
import { readBytes, readJsonObject } from "../files.ts";
import { progressBar } from "../progress.ts";

export const uploadHelp = `lw upload pkg.zip --semantic semantic.json [--learnware ID] [--resume up_…] [--chunk-mb 8] [--json]   (--server/LW_SERVER, --token/LW_TOKEN)`;

export async function uploadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      ...serverArgs,
      semantic: { type: "string" },
      learnware: { type: "string" },
      resume: { type: "string" },
      "chunk-mb": { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (positionals.length !== 1) throw new CliError(`upload needs one package zip: ${uploadHelp}`);
  const file = positionals[0]!;
  if (!values.semantic && !values.learnware) throw new CliError("upload needs --semantic semantic.json (or --learnware ID to add a version)");
  const chunkMb = values["chunk-mb"] === undefined ? 8 : Number(values["chunk-mb"]);
  if (!Number.isFinite(chunkMb) || chunkMb <= 0) throw new CliError(`--chunk-mb must be a positive number, got "${values["chunk-mb"]}"`);
  const client = new MarketClient(values);
  client.requireToken("upload");
  const bytes = readBytes(file, "package");
  const semantic = values.semantic ? readJsonObject(values.semantic, "semantic spec") : undefined;

  // The server's static checks, here first: a broken package fails before a byte is sent.
  let pkg;
  try {
    pkg = readLearnwarePackage(bytes);
  } catch (e) {
    if (e instanceof LearnwareError) throw new CliError(`Package ${file}: ${e.message}`);
    throw e;
  }
  const check = checkLearnwareStatic(pkg, semantic);
  if (!check.ok) throw new CliError(`Package ${file}: ${check.issues[0]!.message}${check.issues.length > 1 ? ` (and ${check.issues.length - 1} more)` : ""}`);

  const sha256 = await sha256Hex(bytes);
  let id = values.resume;
  let offset = 0;
  let chunk = Math.floor(chunkMb * 1024 * 1024);
  if (id) {
    offset = (await client.call("getUpload", { params: { id } })).offset;
  } else {
    const s = await client.call("createUpload", { json: { size: bytes.length } });
    id = s.id;
    chunk = Math.min(chunk, s.maxChunkBytes ?? chunk);
  }
  const bar = progressBar(`uploading ${basename(file)}`);
  let failures = 0;
  try {
    while (offset < bytes.length) {
      const part = bytes.subarray(offset, Math.min(bytes.length, offset + chunk));
      try {
        const r = await client.call("putUploadChunk", {
          params: { id },
          query: { offset, sha256: await sha256Hex(part) },
          body: part,
          headers: { "content-type": "application/octet-stream" },
        });
        offset = r.offset;
        failures = 0;
      } catch (e) {
        // A dropped connection or an offset conflict: ask where the server stands and go on.
        const retriable = e instanceof ApiCliError ? e.status === 409 || e.status >= 500 : e instanceof CliError && e.message.startsWith("Cannot reach");
        if (!retriable || ++failures > 5) throw e;
        await new Promise((r) => setTimeout(r, 250 * failures));
        offset = (await client.call("getUpload", { params: { id } })).offset;
      }
      bar.update(offset / bytes.length, `${(offset / 1048576).toFixed(1)} of ${(bytes.length / 1048576).toFixed(1)} MiB`);
    }
  } catch (e) {
    bar.done();
    if (e instanceof CliError) throw new CliError(`${e.message} (resume with --resume ${id})`, e.exitCode);
    throw e;
  }
  bar.done();
  const res = await client.call("finishUpload", {
    params: { id },
    json: { sha256, ...(semantic !== undefined ? { semantic } : {}), ...(values.learnware ? { learnwareId: values.learnware } : {}) },
  });
  if (values.json) process.stdout.write(JSON.stringify(res, null, 2) + "\n");
  else process.stdout.write(`${res.learnware.id} v${res.version.number} ${res.version.status} ${res.learnware.name} (sha256 ${res.version.packageSha256})\n`);
  return 0;
}
