/**
 * Builds a tiny, deterministic sentence-embedding model folder that transformers.js loads
 * as a BERT feature-extraction model — for tests and demos, since no npm package ships
 * embedding weights. It is an embedding lookup (each WordPiece token gets a fixed
 * pseudo-random 32-d vector seeded by its text) exported as an ONNX graph with one Gather
 * node; transformers.js' `feature-extraction` pipeline mean-pools it over the attention
 * mask. Texts that share words get nearby embeddings; nothing here is learned.
 *
 *   node --import tsx runner/text/buildTinyModel.ts [outDir]   # default: runner/text/models
 *
 * writes `<outDir>/tiny-embedder/{config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model.onnx, onnx/model_quantized.onnx}` (the same graph twice: transformers.js reads
 * the quantized name by default).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProtoWriter } from "../../core/onnx/protoWriter.ts";
import { createRng } from "../../core/random.ts";

export const TINY_MODEL_NAME = "tiny-embedder";
export const TINY_DIM = 32;

const WORDS = `the a an and or of to in on for with is are was be it this that not you we they he she
cat dog bird fish animal pet food eat drink water house home car road city train bus travel
market price money bank loan credit pay buy sell stock trade business company work job
movie film music song book story read write play game sport team win lose ball
good bad great happy sad love hate like nice terrible excellent boring fun
weather rain sun snow cold hot day night today tomorrow time year
doctor health hospital sick medicine patient disease
computer software data model learn code program network phone
le la les et est un une des du pour avec dans pas que qui
der die das und ist nicht ein eine zu mit von auf
el los las y es una por con para muy
今 天 气 很 好 我 你 他 的 是 不 人 电 影 猫 狗 市 场 钱 学 习`
  .split(/\s+/)
  .filter((w) => w.length > 0);

/** The vocabulary: specials, single characters, `##` continuations, then whole words. */
export function tinyVocab(): string[] {
  const specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789".split("");
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of [...specials, ...chars, ...chars.map((c) => "##" + c), ...WORDS]) {
    if (!seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  }
  return out;
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (const ch of s) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

/** The embedding table, row per token (special tokens embed to 0 so pooling ignores them less). */
export function tinyEmbeddings(vocab: readonly string[], dim = TINY_DIM): Float32Array {
  const E = new Float32Array(vocab.length * dim);
  vocab.forEach((tok, i) => {
    if (tok.startsWith("[")) return;
    const rng = createRng(hashSeed(tok));
    // continuation pieces and single characters carry less weight than whole words
    const scale = tok.length <= 1 || tok.startsWith("##") ? 0.3 : 1;
    for (let j = 0; j < dim; j++) E[i * dim + j] = scale * rng.normal();
  });
  return E;
}

const FLOAT = 1,
  INT64 = 7,
  ATTR_INT = 2;

function valueInfo(name: string, elem: number, dims: (number | string)[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === "number" ? new ProtoWriter().int64(1, d) : new ProtoWriter().string(2, d));
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, new ProtoWriter().int64(1, elem).message(2, shape)));
}

/** The ONNX model: `last_hidden_state = Gather(embeddings, input_ids)`. */
export function tinyOnnx(E: Float32Array, vocabSize: number, dim = TINY_DIM): Uint8Array {
  const raw = new Uint8Array(E.buffer.slice(E.byteOffset, E.byteOffset + E.byteLength));
  const init = new ProtoWriter().int64(1, vocabSize).int64(1, dim).int64(2, FLOAT).string(8, "embeddings").bytes(9, raw);
  const gather = new ProtoWriter()
    .string(1, "embeddings")
    .string(1, "input_ids")
    .string(2, "last_hidden_state")
    .string(3, "lookup")
    .string(4, "Gather")
    .message(5, new ProtoWriter().string(1, "axis").int64(3, 0).int64(20, ATTR_INT));
  const graph = new ProtoWriter()
    .message(1, gather)
    .string(2, "tiny_embedder")
    .message(5, init)
    .message(11, valueInfo("input_ids", INT64, ["batch", "sequence"]))
    .message(11, valueInfo("attention_mask", INT64, ["batch", "sequence"]))
    .message(11, valueInfo("token_type_ids", INT64, ["batch", "sequence"]))
    .message(12, valueInfo("last_hidden_state", FLOAT, ["batch", "sequence", dim]));
  return new ProtoWriter()
    .int64(1, 8)
    .string(2, "learnware-ts")
    .string(3, "0.1.0")
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, "").int64(2, 13))
    .finish();
}

function tokenizerJson(vocab: readonly string[]) {
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (content: string) => ({ id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map(special),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [ids["[CLS]"]], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [ids["[SEP]"]], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab: ids },
  };
}

/** Writes the model folder under `outDir`; returns its path. */
export function buildTinyModel(outDir: string): string {
  const dir = join(outDir, TINY_MODEL_NAME);
  mkdirSync(join(dir, "onnx"), { recursive: true });
  const vocab = tinyVocab();
  const onnx = tinyOnnx(tinyEmbeddings(vocab), vocab.length);
  writeFileSync(join(dir, "onnx", "model.onnx"), onnx);
  writeFileSync(join(dir, "onnx", "model_quantized.onnx"), onnx);
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ model_type: "bert", hidden_size: TINY_DIM, vocab_size: vocab.length, architectures: ["BertModel"] }, null, 2),
  );
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson(vocab)));
  writeFileSync(
    join(dir, "tokenizer_config.json"),
    JSON.stringify(
      {
        tokenizer_class: "BertTokenizer",
        do_lower_case: true,
        model_max_length: 512,
        pad_token: "[PAD]",
        unk_token: "[UNK]",
        cls_token: "[CLS]",
        sep_token: "[SEP]",
        mask_token: "[MASK]",
      },
      null,
      2,
    ),
  );
  return dir;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), "models");
  console.log(buildTinyModel(out));
}
