/** `lw download`: a learnware's package from a server, streamed to a file with its sha256 verified. */
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { MarketClient, serverArgs } from "../client.ts";
import { CliError } from "../errors.ts";
import { progressBar } from "../progress.ts";

export const downloadHelp = `lw download ID [--version N|tag|latest] [--output file.zip]   (--server/LW_SERVER, --token/LW_TOKEN)`;

export async function downloadCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { ...serverArgs, version: { type: "string" }, output: { type: "string", short: "o" }, json: { type: "boolean" } },
  });
  if (positionals.length !== 1) throw new CliError(`download needs one learnware id: ${downloadHelp}`);
  const id = positionals[0]!;
  const ref = values.version ?? "latest";
  const client = new MarketClient(values);
  const res = await client.request("GET", `/v1/learnwares/${encodeURIComponent(id)}/versions/${encodeURIComponent(ref)}/package`);
  const total = Number(res.headers.get("content-length") ?? 0);
  const expected = res.headers.get("x-checksum-sha256");
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? `learnware-${id}.zip`;
  const out = values.output ?? name;
  const tmp = `${out}.part`;
  const hash = createHash("sha256");
  const bar = progressBar(`downloading ${id}`);
  const sink = createWriteStream(tmp, { highWaterMark: 1 << 20 }); // writev per MiB, not per 16 KiB
  let got = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      got += chunk.byteLength;
      if (!sink.write(chunk)) await new Promise<void>((r) => sink.once("drain", () => r()));
      if (total > 0) bar.update(got / total, `${(got / 1048576).toFixed(1)} MiB`);
    }
    await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (e) {
    sink.destroy();
    await rm(tmp, { force: true });
    throw new CliError(`Download of ${id} failed: ${(e as Error).message}`, 1);
  } finally {
    bar.done();
  }
  const actual = hash.digest("hex");
  if (expected && actual !== expected) {
    await rm(tmp, { force: true });
    throw new CliError(`Download of ${id} is corrupt: sha256 ${actual}, the server said ${expected}`, 1);
  }
  try {
    await rename(tmp, out);
  } catch (e) {
    throw new CliError(`Cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ path: out, bytes: got, sha256: actual })}\n`);
  else process.stderr.write(`wrote ${out}: ${got} bytes, sha256 ${actual}\n`);
  return 0;
}
