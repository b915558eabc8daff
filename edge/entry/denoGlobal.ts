/** The part of Deno's global the Deno entries use (the repository type-checks with Node's types). */
export interface DenoGlobal {
  env: { toObject(): Record<string, string> };
  serve(
    opts: { port: number; hostname: string; onListen?: (a: { hostname: string; port: number }) => void },
    handler: (req: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
  addSignalListener(sig: string, f: () => void): void;
  exit(code: number): never;
}

/** `Deno`, when running under Deno. */
export const Deno = (globalThis as unknown as { Deno: DenoGlobal }).Deno;
