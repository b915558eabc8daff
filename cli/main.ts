/** The `lw` command line: spec generation, distances, search and checks, on files or a server. */
import { LearnwareError } from "../core/errors.ts";
import { checkCommand, checkHelp } from "./commands/check.ts";
import { searchCommand, searchHelp } from "./commands/search.ts";
import { specCommand, specHelp } from "./commands/spec.ts";
import { downloadCommand, downloadHelp } from "./commands/download.ts";
import { modelsCommand, modelsHelp } from "./commands/models.ts";
import { tokensCommand, tokensHelp } from "./commands/tokens.ts";
import { uploadCommand, uploadHelp } from "./commands/upload.ts";
import { watchCommand, watchHelp } from "./commands/watch.ts";
import { registerCommand, registerHelp, serveCommand, serveHelp } from "./commands/runner.ts";
import { reuseCommand, reuseHelp } from "./commands/reuse.ts";
import { CliError } from "./errors.ts";

const help = `lw — the learnware market on the command line

${specHelp}
${searchHelp}
${checkHelp}

On a server (--server URL or LW_SERVER; --token or LW_TOKEN):
${uploadHelp}
${downloadHelp}
${modelsHelp}
${tokensHelp}
${watchHelp}

Running learnwares:
${serveHelp}
${registerHelp}
${reuseHelp}

Exit codes: 0 ok, 1 INVALID verdict, 2 bad usage or input.`;

type Command = (argv: string[]) => number | Promise<number>;
const commands: Record<string, Command> = {
  spec: specCommand,
  search: searchCommand,
  check: checkCommand,
  upload: uploadCommand,
  download: downloadCommand,
  models: modelsCommand,
  tokens: tokensCommand,
  watch: watchCommand,
  serve: serveCommand,
  register: registerCommand,
  reuse: reuseCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "help" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(help + "\n");
    return 0;
  }
  const fn = commands[cmd];
  if (!fn) throw new CliError(`Unknown command "${cmd}". Run "lw help" for the list.`);
  return await fn(rest);
}

function describe(e: unknown): [string, number] {
  if (e instanceof CliError) return [e.message, e.exitCode];
  if (e instanceof LearnwareError) return [`${e.message} (${e.code})`, 2];
  if (e instanceof Error && (e as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return [e.message, 2];
  if (e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")) return [e.message, 2];
  if (e instanceof RangeError || e instanceof TypeError) return [e.message, 2];
  return [e instanceof Error ? e.message : String(e), 1];
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  const [msg, code] = describe(e);
  process.stderr.write(`lw: ${msg}\n`);
  if (process.env["LW_DEBUG"] && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exitCode = code;
}
