"""AIPOD's programming model: ``AIModelBase``, ``serve(UserModel)`` and ``AIClient(address, version)``.

Names, signatures and defaults follow AIPOD: a model class has ``initialize``, ``train``,
``predict`` and ``log`` taking ``**kwargs`` plus the reserved ``binary_data`` (raw bytes);
instances are told apart by free-form *version* strings, each with its own folder
``<AIPOD_DATA_PATH>/models/<version>/`` (``model_dir()``), where ``initialize`` stores its
arguments (``model.json``, read back as ``model_info``) and the training log
(``trainning.log``, AIPOD's spelling) whose records ``log()`` returns. Porting::

    from aipod.model import AIModelBase      →  from lwpy.aipod import AIModelBase
    from aipod.rpc.server import serve       →  from lwpy.aipod import serve
    from aipod.rpc.client import AIClient    →  from lwpy.aipod import AIClient

``serve`` runs the developer's own class on their machine (trusted code) behind a small
threaded HTTP server with an LRU pool of instances, honouring ``AIPOD_LISTEN_PORT`` (50051),
``AIPOD_DATA_PATH`` (``appdata/``), ``AIPOD_MODEL_POOL_SIZE`` (1) and
``AIPOD_RPC_MAX_WORKERS`` (12); ``AIPOD_LISTEN_HOST`` (ours, default ``127.0.0.1``) opens it
to other machines. The wire is JSON over HTTP instead of gRPC:
``POST /v1/models/<model>/versions/<version>/<method>`` with ``{"kwargs": {...},
"binary_data": {"$bytes": base64} | null}`` → ``{"result": ...}``; bytes anywhere in a
result travel as ``{"$bytes": base64}`` and come back as ``bytes``.

Example (the seed's server/client example)::

    class MyModel(AIModelBase):
        def train(self, binary_data=None, **kwargs):
            self.trainning_logger.append(progress=1.0, message="trained", data=kwargs)
            return {"epochs": kwargs.get("epochs")}
        def predict(self, binary_data=None, **kwargs):
            return {"text": kwargs["text"].upper(), "size": len(binary_data or b"")}

    serve(MyModel)                                   # in one process
    client = AIClient("127.0.0.1:50051", version="exp-a")   # in another
    client.initialize(lr=0.1); client.train(epochs=10); client.predict(text="hi", binary_data=b"...")
"""
import base64
import json
import os
import re
import shutil
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn

from ._errors import LwError

__all__ = ["AIModelBase", "AIClient", "ModelPool", "NotSupportedError", "Serve", "TrainningLogger", "serve"]

VERSION_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
METHODS = ("initialize", "train", "predict", "log")
MAX_BODY = 100 * 1024 * 1024  # AIPOD's grpc.max_receive_message_length


class NotSupportedError(Exception):
    """The operation is not supported by this model (AIPOD's default ``train``)."""


def check_version(version):
    if version is None:
        return "default"
    if not isinstance(version, str) or not VERSION_RE.match(version):
        raise LwError("BAD_REQUEST", f"Version {version!r} must be 1-128 letters, digits, '.', '_' or '-' and not start with '.' or '-'")
    return version


class TrainningLogger:
    """Appends JSON records (progress, data, message, stage, status, timestamp) to a model's log file."""

    def __init__(self, log_path):
        self.log_path = Path(log_path)
        self._lock = threading.Lock()

    def append(self, progress=None, data=None, message=None, stage=None, status="running", **kwargs):
        record = {"progress": progress, "data": data, "message": message, "stage": stage, "status": status, "timestamp": int(time.time())}
        record.update(kwargs)
        line = json.dumps(record, default=_json_default)
        with self._lock:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a+") as f:
                f.write(line + "\n")

    def read_all(self):
        if not self.log_path.exists():
            return []
        return [json.loads(line) for line in self.log_path.read_text().split("\n") if line]


class AIModelBase:
    """Base class of an AIPOD model: one instance per version, with its own folder."""

    def __init__(self, version=None, datapath=None, **kwargs):
        self.version = check_version(version)
        self.datapath = Path(datapath or os.environ.get("AIPOD_DATA_PATH") or "appdata/")
        self.trainning_logger = TrainningLogger(self.model_dir() / "trainning.log")
        self._model_info = None
        self.disposed = False

    @property
    def training_logger(self):
        """Alias of ``trainning_logger`` (AIPOD's spelling)."""
        return self.trainning_logger

    def model_dir(self, *names, mkdir=True, clear=False):
        """``<datapath>/models/<version>/<names...>``, created unless ``mkdir=False``; ``clear`` empties it first."""
        path = self.datapath / "models" / self.version
        for name in names:
            if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\\" in name:
                raise LwError("BAD_REQUEST", f"model_dir part {name!r} must be one plain path segment")
            path = path / name
        if clear and path.exists():
            shutil.rmtree(path)
        if mkdir:
            path.mkdir(exist_ok=clear is False, parents=True)
        return path

    @property
    def model_info_path(self):
        return self.model_dir(mkdir=False) / "model.json"

    @property
    def model_info(self):
        """The arguments of the last ``initialize`` of this version (read from ``model.json``)."""
        if self._model_info is None:
            if not self.model_info_path.exists():
                raise LwError("NOT_INITIALIZED", f"{self.model_info_path} does not exist: version {self.version!r} has not been initialized yet")
            with open(self.model_info_path) as f:
                self._model_info = json.load(f)
        return self._model_info

    def dispose(self):
        self.disposed = True

    def initialize(self, binary_data=None, **kwargs):
        """Starts the version afresh: clears its folder and stores ``kwargs`` as ``model_info``."""
        model_dir = self.model_dir(mkdir=False)
        if model_dir.exists():
            shutil.rmtree(model_dir)
        model_dir.mkdir(parents=True, exist_ok=False)
        with open(self.model_info_path, "w") as f:
            json.dump(kwargs, f, indent=4, ensure_ascii=False, default=_json_default)
        self._model_info = kwargs
        return {"result": True, "model_info": self.model_info}

    def train(self, binary_data=None, **kwargs):
        raise NotSupportedError(f"{type(self).__name__} does not support train")

    def predict(self, binary_data=None, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not implement predict")

    def log(self, binary_data=None, name="trainning", **kwargs):
        """The model's log records (``name="trainning"``, or ``"training"``)."""
        if name in ("trainning", "training"):
            return self.trainning_logger.read_all()
        raise NotImplementedError(f"No log named {name!r}")


class ModelPool:
    """An LRU pool of model instances keyed by version (``size`` ≤ 0: unbounded)."""

    def __init__(self, model_class, size=None, datapath=None):
        self.model_class = model_class
        self.pool = OrderedDict()
        self.size = 1 if size is None or size == "" else int(size)
        self.lock = threading.Lock()
        self.datapath = datapath
        self.loads = 0
        self.releases = 0

    def get(self, version):
        version = check_version(version)
        with self.lock:
            if version not in self.pool:
                if self.size > 0:
                    while len(self.pool) >= self.size:
                        self._release(next(iter(self.pool)))
                self.pool[version] = self.model_class(version=version, datapath=self.datapath)
                self.loads += 1
            self.pool.move_to_end(version)
            return self.pool[version]

    def release(self, version):
        with self.lock:
            self._release(check_version(version))

    def _release(self, version):
        model = self.pool.pop(version, None)
        if model is not None:
            model.dispose()
            self.releases += 1


# ---- the wire: JSON with bytes as {"$bytes": base64} ----

def _json_default(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, Path):
        return str(v)
    try:
        import numpy as np

        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
    except ImportError:
        pass
    if isinstance(v, (set, frozenset, tuple)):
        return list(v)
    raise TypeError(f"Object of type {type(v).__name__} is not JSON serializable")


def encode_data(value):
    return json.dumps(value, default=_json_default, allow_nan=False)


def _revive(v):
    if isinstance(v, dict):
        if len(v) == 1 and "$bytes" in v and isinstance(v["$bytes"], str):
            return base64.b64decode(v["$bytes"])
        return {k: _revive(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_revive(x) for x in v]
    return v


def decode_data(text):
    return _revive(json.loads(text))


# ---- the server ----

ROUTE = re.compile(r"^/v1/models/([^/]+)/versions/([^/]+)/(initialize|train|predict|log)$")


class _Handler(BaseHTTPRequestHandler):
    server_version = "lwpy-aipod/0.1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet by default; errors are answered to the caller
        if os.environ.get("AIPOD_ACCESS_LOG"):
            sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def _reply(self, status, body):
        data = encode_data(body).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, code, message, details=None):
        body = {"code": code, "message": message}
        if details is not None:
            body["details"] = details
        self._reply(status, body)

    def do_GET(self):
        if self.path == "/healthz":
            return self._reply(200, {"ok": True, "model": self.server.servicer.model_class.__name__})
        if self.path == "/metrics":
            pool = self.server.servicer.pool
            return self._reply(200, {"pool": {"size": pool.size, "loaded": list(pool.pool.keys()), "loads": pool.loads, "releases": pool.releases}, "max_workers": self.server.max_workers})
        self._error(404, "NOT_FOUND", f"No route GET {self.path}")

    def do_POST(self):
        m = ROUTE.match(self.path.split("?", 1)[0])
        if not m:
            return self._error(404, "NOT_FOUND", f"No route POST {self.path}; use /v1/models/<model>/versions/<version>/(initialize|train|predict|log)")
        model, version, method = m.group(1), m.group(2), m.group(3)
        servicer = self.server.servicer
        if model not in ("default", servicer.model_class.__name__):
            return self._error(404, "NOT_FOUND", f"This service serves model {servicer.model_class.__name__!r} (or 'default'), not {model!r}")
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY:
            return self._error(413, "TOO_LARGE", f"Request body of {length} bytes exceeds {MAX_BODY}")
        raw = self.rfile.read(length) if length else b""
        try:
            body = decode_data(raw.decode("utf-8")) if raw.strip() else {}
        except (ValueError, UnicodeDecodeError) as e:
            return self._error(400, "BAD_REQUEST", f"Request body is not JSON: {e}")
        if not isinstance(body, dict):
            return self._error(400, "BAD_REQUEST", "Request body must be a JSON object {kwargs, binary_data}")
        kwargs = body.get("kwargs") or {}
        binary = body.get("binary_data")
        if not isinstance(kwargs, dict):
            return self._error(400, "BAD_REQUEST", "'kwargs' must be a JSON object")
        if binary is not None and not isinstance(binary, (bytes, bytearray)):
            return self._error(400, "BAD_REQUEST", "'binary_data' must be {\"$bytes\": base64} or null")
        if "binary_data" in kwargs:
            return self._error(400, "BAD_REQUEST", "'binary_data' is reserved: send it beside kwargs, not inside")
        try:
            result = servicer.call(method, version, kwargs, binary)
        except LwError as e:
            return self._error(400 if e.code in ("BAD_REQUEST",) else 409 if e.code == "NOT_INITIALIZED" else 422, e.code, e.message, e.details)
        except NotSupportedError as e:
            return self._error(422, "NOT_SUPPORTED", str(e))
        except NotImplementedError as e:
            return self._error(422, "NOT_IMPLEMENTED", str(e) or f"{method} is not implemented")
        except TypeError as e:
            return self._error(400, "BAD_REQUEST", f"{method}() rejected its arguments: {e}")
        except Exception as e:  # the model's own failure: its type and message, and where
            import traceback

            return self._error(422, "MODEL_ERROR", f"{type(e).__name__}: {e}", {"traceback": traceback.format_exc()})
        try:
            return self._reply(200, {"result": result})
        except (TypeError, ValueError) as e:
            return self._error(500, "RESULT_NOT_JSON", f"{method}() returned a value that cannot be sent as JSON: {e}")


class _Servicer:
    def __init__(self, model_class, pool_size, datapath):
        self.model_class = model_class
        self.pool = ModelPool(model_class, size=pool_size, datapath=datapath)

    def call(self, method, version, kwargs, binary):
        model = self.pool.get(version)
        if method == "initialize":
            return model.initialize(**kwargs) if binary is None else model.initialize(binary_data=binary, **kwargs)
        result = getattr(model, method)(binary_data=binary, **kwargs)
        if method == "train":  # as AIPOD: a trained instance is released, the next call loads it afresh
            self.pool.release(version)
        return result


class _PooledHTTPServer(ThreadingMixIn, HTTPServer):
    """Requests handled by at most ``max_workers`` threads (AIPOD_RPC_MAX_WORKERS)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, servicer, max_workers):
        super().__init__(address, handler)
        self.servicer = servicer
        self.max_workers = max_workers
        self.executor = ThreadPoolExecutor(max_workers=max_workers)

    def process_request(self, request, client_address):
        self.executor.submit(self.process_request_thread, request, client_address)

    def server_close(self):
        super().server_close()
        self.executor.shutdown(wait=False, cancel_futures=True)


def _env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise LwError("BAD_REQUEST", f"{name}={raw!r} is not an integer") from None


class Serve:
    """``with Serve(MyModel) as s: ...`` runs the service in the background; ``Serve(MyModel).run()`` blocks."""

    def __init__(self, model, port=None, host=None):
        if not (isinstance(model, type) and issubclass(model, AIModelBase)):
            raise LwError("BAD_REQUEST", f"serve() takes an AIModelBase subclass, got {model!r}")
        self.model = model
        self.port = port if port is not None else _env_int("AIPOD_LISTEN_PORT", 50051)
        self.host = host or os.environ.get("AIPOD_LISTEN_HOST") or "127.0.0.1"
        self.rpc_max_workers = _env_int("AIPOD_RPC_MAX_WORKERS", 12)
        if self.rpc_max_workers < 1:
            raise LwError("BAD_REQUEST", f"AIPOD_RPC_MAX_WORKERS must be at least 1, got {self.rpc_max_workers}")
        self.pool_size = _env_int("AIPOD_MODEL_POOL_SIZE", 1)
        self.datapath = os.environ.get("AIPOD_DATA_PATH") or "appdata/"
        self.server = None
        self._thread = None

    @property
    def address(self):
        host, port = self.server.server_address[:2] if self.server else (self.host, self.port)
        return f"{host}:{port}"

    def __enter__(self):
        servicer = _Servicer(self.model, self.pool_size, self.datapath)
        self.server = _PooledHTTPServer((self.host, self.port), _Handler, servicer, self.rpc_max_workers)
        self._thread = threading.Thread(target=self.server.serve_forever, name="aipod-serve", daemon=True)
        self._thread.start()
        print(f"listening address: {self.address}", flush=True)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if self.server:
            print("server shutdown", flush=True)
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def run(self):
        import signal

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with self:
            try:
                while not stop.wait(3600):
                    pass
            except KeyboardInterrupt:
                pass


def serve(model, port=None):
    """Serves ``model`` (an ``AIModelBase`` subclass) until interrupted (SIGINT/SIGTERM)."""
    Serve(model, port).run()


class AIClient:
    """A client of one model version: ``AIClient("host:port", version="exp-a")``.

    The same client drives an AIPOD model served by our runner: ``model`` is the learnware's
    id and ``token`` a bearer token the market accepts (``AIClient("127.0.0.1:8790",
    version="exp-a", model="00000012", token=...)``)."""

    def __init__(self, address=None, version=None, model="default", timeout=600, token=None, **kwargs):
        if not address:
            raise LwError("BAD_REQUEST", "missing server address (host:port or http://host:port)")
        self.address = address if address.startswith(("http://", "https://")) else f"http://{address}"
        self.version = check_version(version)
        self.model = model
        self.timeout = timeout
        import requests

        self._session = requests.Session()
        if token:
            self._session.headers["authorization"] = f"Bearer {token}"

    def _call(self, method, binary_data, kwargs):
        if binary_data is not None and not isinstance(binary_data, (bytes, bytearray, memoryview)):
            raise LwError("BAD_REQUEST", f"binary_data must be bytes, got {type(binary_data).__name__}")
        import requests

        body = encode_data({"kwargs": kwargs, "binary_data": binary_data})
        url = f"{self.address.rstrip('/')}/v1/models/{self.model}/versions/{self.version}/{method}"
        try:
            res = self._session.post(url, data=body.encode("utf-8"), headers={"content-type": "application/json"}, timeout=self.timeout)
        except requests.RequestException as e:
            raise LwError("UNREACHABLE", f"{method} on {self.address} failed: {e}") from e
        try:
            payload = decode_data(res.text)
        except ValueError:
            raise LwError("BAD_RESPONSE", f"{method}: HTTP {res.status_code} answer is not JSON: {res.text[:200]}", status=res.status_code) from None
        if res.status_code != 200:
            raise LwError(payload.get("code", "HTTP_ERROR"), f"{method} on version {self.version!r}: {payload.get('message', res.text[:200])}", payload.get("details"), res.status_code)
        return payload["result"]

    def initialize(self, binary_data=None, **kwargs):
        return self._call("initialize", binary_data, kwargs)

    def train(self, binary_data=None, **kwargs):
        return self._call("train", binary_data, kwargs)

    def predict(self, binary_data=None, **kwargs):
        return self._call("predict", binary_data, kwargs)

    def log(self, binary_data=None, **kwargs):
        return self._call("log", binary_data, kwargs)
