/**
 * The typed client of a runner's model service, derived from its contract
 * (`./runnerContract.ts`), on the same transport as the market client (`LwClient`: the
 * caller's token, the one error envelope → `ApiError`). `call(operationId, init)` resolves
 * with the answer typed by the operation's schema; `response(operationId, init)` hands back
 * the raw response (binary frames). `runner/service/client.ts` (`ModelClient`) and the
 * mixtures' client build on it.
 *
 * @example
 * ```ts ignore
 * import { RunnerClient } from "./runnerClient.ts";
 * const runner = new RunnerClient({ baseUrl: "http://127.0.0.1:8790" });
 * const { pool } = await runner.call("serviceMetrics");
 * ```
 */
import type { z } from "zod";
import { type CallInit, type ClientOptions, fillPath, LwClient } from "./client.ts";
import { RUNNER_OPERATIONS } from "./runnerContract.ts";

type Ops = typeof RUNNER_OPERATIONS;
type Key = keyof Ops;
/** Every runner operation's `operationId`. */
export type RunnerOperationId = Ops[Key]["operationId"];
type KeyOf<Id extends RunnerOperationId> = { [K in Key]: Ops[K]["operationId"] extends Id ? K : never }[Key];
type Answers<Id extends RunnerOperationId> = Ops[KeyOf<Id>]["responses"];

/** The JSON answer of a successful call of runner operation `id`. */
export type RunnerResultOf<Id extends RunnerOperationId> = {
  [S in keyof Answers<Id>]: Answers<Id>[S] extends z.ZodTypeAny ? z.infer<Answers<Id>[S]> : never;
}[keyof Answers<Id>];

const byId = new Map<string, { method: string; path: string }>(
  Object.entries(RUNNER_OPERATIONS).map(([key, op]) => {
    const [method, path] = key.split(" ") as [string, string];
    return [op.operationId, { method, path }];
  }),
);

export class RunnerClient {
  readonly #http: LwClient;

  constructor(opts: ClientOptions) {
    this.#http = new LwClient(opts);
  }

  get baseUrl(): string {
    return this.#http.baseUrl;
  }

  /** The path of runner operation `id` with `params` filled in (each encoded). */
  path(id: RunnerOperationId, params: Record<string, string | number> = {}): string {
    const op = byId.get(id);
    if (!op) throw new TypeError(`Unknown runner operation ${id}`);
    return fillPath(op.path, params, `Runner operation ${id}`);
  }

  /** Sends operation `id`; an error answer throws `ApiError`. */
  response(id: RunnerOperationId, init: CallInit = {}): Promise<Response> {
    return this.#http.request(byId.get(id)!.method, this.path(id, init.params), init);
  }

  /** Calls operation `id`; resolves with its JSON answer, typed by the contract. */
  async call<Id extends RunnerOperationId>(id: Id, init: CallInit = {}): Promise<RunnerResultOf<Id>> {
    return (await (await this.response(id, init)).json()) as RunnerResultOf<Id>;
  }
}
