"""Long-lived learnware worker: loads one learnware model and answers framed requests.

Frame (both directions): u32 header bytes | u32 body bytes | JSON header | body, little-endian.
The header is {"m": message, "arrays": [{dtype, shape, offset, bytes}]}; arrays inside the
message are {"$array": i}. Requests are {"id", "op", ...}; replies {"id", "ok", "result"|"error", "rss"}.
No pickle crosses the wire. Model code gets stdout redirected to stderr so prints cannot
corrupt the protocol, and stdin is closed to it.
"""
import importlib.util
import json
import math
import os
import re
import struct
import tempfile
import sys
import time
import traceback

PROTO_IN = os.fdopen(os.dup(0), "rb", buffering=0)
PROTO_OUT = os.fdopen(os.dup(1), "wb", buffering=0)
_devnull = os.open(os.devnull, os.O_RDONLY)
os.dup2(_devnull, 0)
os.dup2(2, 1)
sys.stdout = sys.stderr

# The repository's Python package (lwpy: VESSL RunnerBase, AIPOD AIModelBase), mounted read-only.
_PKG = os.environ.get("LW_PYTHON_PKG")
if _PKG and os.path.isdir(_PKG) and _PKG not in sys.path:
    sys.path.append(_PKG)

try:
    import numpy as np
except ImportError:  # the worker still answers hello/requirements checks without numpy
    np = None

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:
        return 0


def read_exact(n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = PROTO_IN.readinto(view[got:])
        if not k:
            return None
        got += k
    return buf


def read_frame():
    prefix = read_exact(8)
    if prefix is None:
        return None
    head_len, body_len = struct.unpack("<II", prefix)
    head = read_exact(head_len)
    body = read_exact(body_len) if body_len else bytearray()
    if head is None or body is None:
        return None
    parsed = json.loads(head.decode("utf-8"))
    arrays = []
    for ref in parsed.get("arrays") or []:
        if ref["dtype"] == "bytes":  # raw bytes (AIPOD's binary_data), referenced as {"$bytes": i}
            arrays.append(bytes(body[ref["offset"]:ref["offset"] + ref["bytes"]]))
            continue
        dtype = np.float32 if ref["dtype"] == "float32" else np.float64
        count = ref["bytes"] // np.dtype(dtype).itemsize
        arrays.append(np.frombuffer(body, dtype=dtype, count=count, offset=ref["offset"]).reshape(ref["shape"]))

    def revive(v):
        if isinstance(v, list):
            return [revive(x) for x in v]
        if isinstance(v, dict):
            if len(v) == 1 and "$array" in v:
                return arrays[v["$array"]]
            if len(v) == 1 and "$bytes" in v and isinstance(v["$bytes"], int):
                return arrays[v["$bytes"]]
            return {k: revive(x) for k, x in v.items()}
        return v

    return revive(parsed["m"])


def write_frame(message):
    arrays = []
    chunks = []
    size = 0

    def encode(v):
        nonlocal size
        if np is not None and isinstance(v, np.ndarray):
            a = np.ascontiguousarray(v, dtype=np.float32 if v.dtype == np.float32 else np.float64)
            data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
            arrays.append({"dtype": "float32" if a.dtype == np.float32 else "float64", "shape": list(a.shape), "offset": size, "bytes": len(data)})
            pad = (-len(data)) % 8
            chunks.append(data)
            if pad:
                chunks.append(b"\0" * pad)
            size += len(data) + pad
            return {"$array": len(arrays) - 1}
        if isinstance(v, (bytes, bytearray, memoryview)):
            data = bytes(v)
            arrays.append({"dtype": "bytes", "shape": [len(data)], "offset": size, "bytes": len(data)})
            pad = (-len(data)) % 8
            chunks.append(data)
            if pad:
                chunks.append(b"\0" * pad)
            size += len(data) + pad
            return {"$bytes": len(arrays) - 1}
        if isinstance(v, dict):
            return {k: encode(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [encode(x) for x in v]
        if np is not None and isinstance(v, np.generic):
            return v.item()
        return v

    m = encode(message)
    head = json.dumps({"m": m, "arrays": arrays}, allow_nan=True).encode("utf-8")
    PROTO_OUT.write(struct.pack("<II", len(head), size) + head + b"".join(chunks))


class WorkerError(Exception):
    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.details = details


def load_module(module_path):
    # As learnware.utils.get_module_by_module_path: a module name from the file path.
    module_name = re.sub("^[^a-zA-Z_]+", "", re.sub("[^0-9a-zA-Z_]", "", module_path[:-3].replace("/", "_"))) or "learnware_model"
    spec = importlib.util.spec_from_file_location(module_name, module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def as_shape(v):
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [int(x) for x in v]
    return [int(v)]


STATE = {"model": None}


def is_runner_class(cls):
    """A VESSL-style runner: a class deriving from a `RunnerBase` (lwpy.vessl's, or one that mimics it)."""
    return isinstance(cls, type) and any(b.__name__ == "RunnerBase" for b in cls.__mro__[1:])


def json_safe(v):
    """A runner's answer as JSON: arrays become lists, numpy scalars numbers, bytes {"$bytes": base64}."""
    if np is not None and isinstance(v, np.ndarray):
        return json_safe(v.tolist())
    if np is not None and isinstance(v, np.generic):
        return json_safe(v.item())
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [json_safe(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        import base64

        return {"$bytes": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, float) and not math.isfinite(v):
        raise WorkerError("OUTPUT_NOT_JSON", f"Runner output contains {v}, which JSON cannot carry")
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    raise WorkerError("OUTPUT_NOT_JSON", f"Runner output of type {type(v).__module__}.{type(v).__name__} cannot be sent as JSON")


class RunnerModel:
    """A VESSL-style runner class as a model: `load_model(props, artifacts)` once, then
    `predict` (arrays: preprocess_data → predict, the model's own output, for checks and the
    tensor API) and `invoke` (any JSON: preprocess_data → predict → postprocess_data).
    `artifacts` is the `{local_path: volume_path}` mapping given to register_model; the
    worker runs in the package folder, where each file is at its volume path."""

    def __init__(self, runner, kwargs):
        unknown = set(kwargs) - {"props", "artifacts", "input_shape", "output_shape"}
        if unknown:
            raise WorkerError("LOAD_FAILED", f"Runner {runner.__name__} got unknown learnware.yaml kwargs {sorted(unknown)}; a runner takes props, artifacts, input_shape, output_shape")
        artifacts = kwargs.get("artifacts") or {}
        if not isinstance(artifacts, dict):
            raise WorkerError("LOAD_FAILED", f"Runner artifacts must be a mapping {{local_path: volume_path}}, got {type(artifacts).__name__}")
        self.runner = runner
        self.input_shape = kwargs.get("input_shape")
        self.output_shape = kwargs.get("output_shape")
        self.model = runner.load_model(kwargs.get("props"), dict(artifacts))

    def predict(self, X):
        return self.runner.predict(self.model, self.runner.preprocess_data(self.model, X))

    def invoke(self, data):
        out = self.runner.predict(self.model, self.runner.preprocess_data(self.model, data))
        return self.runner.postprocess_data(self.model, out)


def is_aipod_class(cls):
    """An AIPOD model: a class deriving from an `AIModelBase` (lwpy.aipod's, or one that mimics it)."""
    return isinstance(cls, type) and any(b.__name__ == "AIModelBase" for b in cls.__mro__[1:])


def wire_safe(v):
    """An AIPOD answer for the frame: arrays become lists, numpy scalars numbers; bytes stay raw."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, dict):
        return {str(k): wire_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [wire_safe(x) for x in v]
    return json_safe(v)


class AipodModel:
    """An AIPOD `AIModelBase` class served by the runner: one instance per free-form version,
    made on first use with its folder under the sandbox's /tmp (`model_dir()`); the service
    replays `initialize` and successful `train` calls when a worker is started again, so the
    state survives pool evictions without anything written outside the sandbox."""

    def __init__(self, cls, kwargs):
        self.cls = cls
        self.input_shape = kwargs.get("input_shape")
        self.output_shape = kwargs.get("output_shape")
        self.datapath = os.environ.get("AIPOD_DATA_PATH") or os.path.join(tempfile.gettempdir(), "aipod")
        self.instances = {}

    def call(self, method, version, kwargs, binary_data):
        if method not in ("initialize", "train", "predict", "log"):
            raise WorkerError("BAD_REQUEST", f"AIPOD method {method!r} is not one of initialize, train, predict, log")
        if not isinstance(kwargs, dict):
            raise WorkerError("BAD_REQUEST", f"AIPOD {method} takes keyword arguments (a JSON object), got {type(kwargs).__name__}")
        inst = self.instances.get(version)
        if inst is None:
            inst = self.instances[version] = self.cls(version=version, datapath=self.datapath)
        fn = getattr(inst, method)
        try:
            return wire_safe(fn(binary_data=binary_data, **kwargs))
        except NotImplementedError as e:
            raise WorkerError("NOT_SUPPORTED", f"{self.cls.__name__}.{method}: {e}") from None
        except Exception as e:
            if type(e).__name__ == "NotSupportedError":
                raise WorkerError("NOT_SUPPORTED", str(e)) from None
            if type(e).__name__ == "LwError" and getattr(e, "code", None) == "NOT_INITIALIZED":
                raise WorkerError("CONFLICT", f"{e.message}; call initialize first") from None
            raise


def to_array(out):
    kind = type(out).__module__ + "." + type(out).__name__
    if hasattr(out, "detach") and hasattr(out, "cpu"):  # torch.Tensor
        out = out.detach().cpu().numpy()
        kind = "torch.Tensor"
    elif isinstance(out, np.ndarray):
        kind = "numpy.ndarray"
    try:
        arr = np.asarray(out)
    except Exception as e:
        raise WorkerError("OUTPUT_NOT_ARRAY", f"Model output of type {kind} cannot be converted to an array: {e}")
    if arr.dtype == np.bool_ or np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating):
        return arr, kind, str(arr.dtype)
    raise WorkerError("OUTPUT_NOT_NUMERIC", f"Model output has non-numeric dtype {arr.dtype}", {"outputType": kind})


def op_load(req):
    root = os.path.abspath(req["root"])
    module_path = req.get("module_path") or "__init__.py"
    if not os.path.isabs(module_path):
        module_path = os.path.join(root, module_path)
    if not module_path.endswith(".py"):
        module_path = os.path.join(module_path, "__init__.py")
    os.chdir(root)
    if root not in sys.path:
        sys.path.insert(0, root)
    module = load_module(module_path)
    class_name = req.get("class_name") or "Model"
    if not hasattr(module, class_name):
        raise WorkerError("MODEL_CLASS_MISSING", f"Module {os.path.relpath(module_path, root)} has no class {class_name}")
    cls = getattr(module, class_name)
    kwargs = req.get("kwargs") or {}
    model = RunnerModel(cls, kwargs) if is_runner_class(cls) else AipodModel(cls, kwargs) if is_aipod_class(cls) else cls(**kwargs)
    STATE["model"] = model
    base = sys.modules.get("learnware.model")
    return {
        "input_shape": as_shape(getattr(model, "input_shape", None)),
        "output_shape": as_shape(getattr(model, "output_shape", None)),
        "has_fit": callable(getattr(model, "fit", None)),
        "has_finetune": callable(getattr(model, "finetune", None)),
        "is_base_model": bool(base is not None and isinstance(model, base.BaseModel)),
        "is_runner": isinstance(model, RunnerModel),
        "is_aipod": isinstance(model, AipodModel),
        "class": type(model).__module__ + "." + type(model).__name__,
    }


def need_model():
    if STATE["model"] is None:
        raise WorkerError("NOT_LOADED", "No model is loaded in this worker")
    return STATE["model"]


def op_predict(req):
    model = need_model()
    y, kind, dtype = to_array(model.predict(req["X"]))
    return {"y": y.astype(np.float32 if y.dtype == np.float32 else np.float64, copy=False), "outputType": kind, "dtype": dtype}


def op_invoke(req):
    model = need_model()
    if not isinstance(model, RunnerModel):
        raise WorkerError("NOT_SUPPORTED", f"invoke takes JSON input for runner classes (RunnerBase) only; {type(model).__name__} takes arrays through predict")
    return {"result": json_safe(model.invoke(req.get("data")))}


def op_aipod(req):
    model = need_model()
    if not isinstance(model, AipodModel):
        raise WorkerError("NOT_SUPPORTED", f"{type(model).__name__} is not an AIPOD model (AIModelBase): it takes arrays through predict")
    binary = req.get("binary_data")
    if binary is not None and not isinstance(binary, bytes):
        raise WorkerError("BAD_REQUEST", "binary_data must be raw bytes")
    return {"result": model.call(req.get("method"), str(req.get("version")), req.get("kwargs") or {}, binary)}


def op_train(req, method):
    model = need_model()
    fn = getattr(model, method, None)
    if not callable(fn):
        raise WorkerError("NOT_SUPPORTED", f"Model has no {method}() method")
    y = req["y"]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.reshape(-1)
    fn(req["X"], y)
    return {}


def op_requirements(req):
    """Compares requirement lines with the installed distributions (no network)."""
    import importlib.metadata as md

    try:
        from packaging.requirements import Requirement
    except ImportError:
        Requirement = None
    report = []
    for raw in req["text"].splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        entry = {"requirement": line}
        try:
            if Requirement is not None:
                r = Requirement(line)
                name, spec = r.name, r.specifier
            else:
                m = re.match(r"^([A-Za-z0-9_.\-]+)(\[.*\])?\s*(.*)$", line)
                name, spec = m.group(1), None
            entry["name"] = name
            try:
                version = md.version(name)
                entry["installed"] = version
                entry["ok"] = spec is None or spec.contains(version, prereleases=True)
                if not entry["ok"]:
                    entry["reason"] = f"installed {version} does not satisfy {spec}"
            except md.PackageNotFoundError:
                entry["ok"] = False
                entry["reason"] = "not installed"
        except Exception as e:
            entry["ok"] = False
            entry["reason"] = f"unparseable: {e}"
        report.append(entry)
    return {"report": report}


def op_warm(req):
    """Warm start: import the common modules now, then wait for the load frame as usual."""
    t = time.perf_counter()
    done = []
    for name in req.get("modules") or []:
        try:
            importlib.import_module(name)
            done.append(name)
        except Exception:  # missing or broken in this environment: the model imports it (or not) itself
            pass
    return {"imported": done, "seconds": time.perf_counter() - t}


OPS = {
    "warm": op_warm,
    "hello": lambda req: {"pid": os.getpid(), "python": sys.version.split()[0], "numpy": getattr(np, "__version__", None)},
    "load": op_load,
    "predict": op_predict,
    "invoke": op_invoke,
    "aipod": op_aipod,
    "fit": lambda req: op_train(req, "fit"),
    "finetune": lambda req: op_train(req, "finetune"),
    "requirements": op_requirements,
    "sleep": lambda req: time.sleep(float(req.get("seconds", 0))) or {},
}


def main():
    while True:
        req = read_frame()
        if req is None:
            return
        rid = req.get("id")
        op = req.get("op")
        if op == "exit":
            write_frame({"id": rid, "ok": True, "result": {}, "rss": rss_bytes()})
            return
        try:
            fn = OPS.get(op)
            if fn is None:
                raise WorkerError("UNKNOWN_OP", f"Unknown worker op {op!r}")
            result = fn(req)
            write_frame({"id": rid, "ok": True, "result": result, "rss": rss_bytes()})
        except MemoryError:
            # The address space is exhausted: answer, then die so the runner restarts a clean worker.
            write_frame({"id": rid, "ok": False, "error": {"code": "MEMORY_LIMIT", "message": "Model ran out of memory"}, "rss": rss_bytes()})
            os._exit(3)
        except WorkerError as e:
            write_frame({"id": rid, "ok": False, "error": {"code": e.code, "message": str(e), "details": e.details}, "rss": rss_bytes()})
        except BaseException as e:  # model code may raise anything, even SystemExit
            tb = traceback.format_exc()
            code = "LOAD_FAILED" if op == "load" else "MODEL_ERROR"
            write_frame({"id": rid, "ok": False, "error": {"code": code, "message": f"{type(e).__name__}: {e}", "details": {"traceback": tb}}, "rss": rss_bytes()})


if __name__ == "__main__":
    main()
