"""ModelBox's programming model against our registry: models, versions, metadata, metrics
and artifacts. Porting::

    from modelbox.modelbox import ModelBoxClient   →   from lwpy.modelbox import Client
    client = Client("http://127.0.0.1:8787", token)
    model = client.new_model("mnist", owner="alice", namespace="vision", task="classification",
                             description="LeNet", metadata={"dataset": "mnist"})
    v = model.new_model_version(version="v1", name="first", description="baseline",
                                artifacts=["model.onnx"], metadata={"lr": 0.01},
                                unique_tags=["production"], framework="pytorch")
    v.log_metrics({"loss": 0.3, "note": "ok", "cm": b"..."}, step=1, wallclock=time.time())
    v.update_metadata("epochs", 10)
    v.upload_artifact(["weights.pt"])          # streamed, sha256 checked by the server
    v.track_artifacts(["s3://bucket/big.bin", "/data/local.bin"])
    [a.path for a in v.artifacts()]

Models and versions both take metrics, metadata and artifacts. Models are addressed by id,
``"namespace/name"`` or, for a version, ``"namespace/name@tag"`` / ``"namespace/name:v1"``
(``client.get_model``, ``client.get_version``). The registry keeps ``owner`` when it is the
caller (an admin may name anyone; otherwise ``FORBIDDEN``), names are unique per namespace
(``CONFLICT``), and a version's ``version`` label is unique per model.
"""
import hashlib
import mimetypes
import os
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlparse

from ._errors import LwError
from ._http import Http, server_token

__all__ = ["Artifact", "Client", "FileType", "Model", "ModelVersion"]

DEFAULT_NAMESPACE = "default"
CHUNK = 1 << 20


class FileType:
    """ModelBox's artifact file types, derived from the path and mime type."""

    UNDEFINED = "UNDEFINED"
    MODEL = "MODEL"
    CHECKPOINT = "CHECKPOINT"
    TEXT = "TEXT"
    IMAGE = "IMAGE"
    AUDIO = "AUDIO"
    VIDEO = "VIDEO"


MODEL_EXTS = {".onnx", ".pt", ".pth", ".pkl", ".pickle", ".joblib", ".h5", ".keras", ".pb", ".safetensors", ".bin", ".tflite", ".mlmodel"}


def file_type(path, mime):
    p = path.lower()
    ext = os.path.splitext(p)[1]
    if ext == ".ckpt" or "checkpoint" in p:
        return FileType.CHECKPOINT
    if ext in MODEL_EXTS:
        return FileType.MODEL
    major = (mime or "").split("/")[0]
    if major == "image":
        return FileType.IMAGE
    if major == "audio":
        return FileType.AUDIO
    if major == "video":
        return FileType.VIDEO
    if major == "text" or mime in ("application/json", "application/yaml", "application/x-yaml"):
        return FileType.TEXT
    return FileType.UNDEFINED


@dataclass
class Artifact:
    """An artifact of a model or a version: ``parent`` is the model's id, or the version's
    (``<model id>/versions/<n>``); ``id`` is the registry's artifact id."""

    parent: str
    path: str
    mime_type: str
    checksum: str
    id: str
    file_type: str = FileType.UNDEFINED
    size: int = None
    uri: str = None
    stored: bool = True


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(CHUNK)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _as_list(files, what):
    if isinstance(files, (str, os.PathLike)):
        return [os.fspath(files)]
    if not isinstance(files, (list, tuple)) or not files:
        raise LwError("BAD_REQUEST", f"{what} takes a path or a non-empty list of paths, got {files!r}")
    return [os.fspath(f) for f in files]


def _artifact(parent, a):
    mime = a.get("mime") or "application/octet-stream"
    return Artifact(parent=a.get("parent") or parent, path=a["path"], mime_type=mime, checksum=a.get("sha256"), id=a.get("id") or f"{parent}/artifacts/{a['path']}",
                    file_type=a.get("fileType") or file_type(a["path"], mime), size=a.get("size"), uri=a.get("uri"), stored=a.get("storage") == "stored")


def _metric_rows(metrics, step, wallclock):
    import base64

    if not isinstance(metrics, dict) or not metrics:
        raise LwError("BAD_REQUEST", f"log_metrics takes a non-empty dict {{key: value}}, got {metrics!r}")
    if step is not None and (not isinstance(step, int) or isinstance(step, bool) or step < 0):
        raise LwError("BAD_REQUEST", f"step must be a non-negative integer, got {step!r}")
    if wallclock is not None and (not isinstance(wallclock, (int, float)) or isinstance(wallclock, bool)):
        raise LwError("BAD_REQUEST", f"wallclock must be seconds since the epoch (a number), got {wallclock!r}")
    wall_ms = round((time.time() if wallclock is None else wallclock) * 1000)
    rows = []
    for key, value in metrics.items():
        row = {"key": key, "wallClock": wall_ms}
        if step is not None:
            row["step"] = step
        if isinstance(value, bool) or value is None:
            raise LwError("BAD_REQUEST", f"metric {key!r}: value must be a float, string or bytes, got {value!r}")
        if isinstance(value, (int, float)):
            row["value"] = float(value)
        elif isinstance(value, str):
            row["value"] = value
        elif isinstance(value, (bytes, bytearray, memoryview)):
            row["bytes"] = base64.b64encode(bytes(value)).decode("ascii")
        else:
            try:
                row["value"] = float(value)  # numpy scalars
            except (TypeError, ValueError):
                raise LwError("BAD_REQUEST", f"metric {key!r}: value must be a float, string or bytes, got {type(value).__name__}") from None
        rows.append(row)
    return rows


def _tracked(f):
    """A tracked artifact's request body: a URI as it is, a local file as its absolute path
    (the server keeps it as a ``file://`` URI) with its size and sha256."""
    scheme = urlparse(f).scheme
    if len(scheme) > 1:  # a URI (a one-letter scheme would be a Windows drive)
        body = {"path": os.path.basename(urlparse(f).path.rstrip("/")) or urlparse(f).netloc, "uri": f}
    elif os.path.isfile(f):
        absolute = os.path.abspath(f)
        body = {"path": os.path.basename(absolute), "uri": absolute, "size": os.path.getsize(absolute), "sha256": sha256_file(absolute)}
    elif os.path.isabs(f):
        body = {"path": os.path.basename(f.rstrip("/")), "uri": f}
    else:
        raise LwError("BAD_REQUEST", f"artifact {f!r} is neither a URI, an absolute path nor an existing file")
    mime = mimetypes.guess_type(body["path"])[0]
    if mime:
        body["mime"] = mime
    return body


class _Records:
    """Metrics, metadata and artifacts: the same calls on a model and on a version."""

    def log_metrics(self, metrics, step=None, wallclock=None):
        """Logs ``{key: float | int | str | bytes}`` at ``step`` and ``wallclock`` (seconds since
        the epoch, default now). Read back per key in step order, then wall-clock order."""
        return self._client._http.post(f"{self._path}/metrics", {"metrics": _metric_rows(metrics, step, wallclock)})

    def metrics(self, key=None):
        """``{key: [{"value", "step", "wallclock"}]}`` in step, then wall-clock order (bytes
        decoded, wall clock in seconds)."""
        import base64

        body = self._client._http.get(f"{self._path}/metrics", params={"key": key} if key else None)
        out = {}
        for k, items in body["metrics"].items():
            out[k] = [{"step": it["step"], "wallclock": it["wallClock"] / 1000.0, "value": base64.b64decode(it["bytes"]) if "bytes" in it else it["value"]} for it in items]
        return out

    def log_params(self, params):
        """MLflow-style params: string values, written once (another value for a key is a ``CONFLICT``)."""
        if not isinstance(params, dict) or not params or not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
            raise LwError("BAD_REQUEST", f"log_params takes a non-empty dict of strings, got {params!r}")
        return self._client._http.post(f"{self._path}/params", {"params": params})["params"]

    def params(self):
        return self._client._http.get(f"{self._path}/params")["params"]

    def update_metadata(self, key, value):
        """Sets one metadata key (``None`` removes it)."""
        if not isinstance(key, str) or not key:
            raise LwError("BAD_REQUEST", f"metadata key must be a non-empty string, got {key!r}")
        body = self._client._http.patch(f"{self._path}/metadata", {"metadata": {key: value}})
        if isinstance(body, dict) and "metadata" in body:
            self.metadata = dict(body["metadata"])
        return self.metadata

    def upload_artifact(self, files, paths=None):
        """Uploads local files (streamed; sha256 computed first and checked by the server).
        Each is stored at its file name, or at the matching entry of ``paths``."""
        files = _as_list(files, "upload_artifact")
        if paths is not None and len(_as_list(paths, "paths")) != len(files):
            raise LwError("BAD_REQUEST", "paths must have one entry per file")
        targets = _as_list(paths, "paths") if paths is not None else [os.path.basename(f) for f in files]
        for f in files:
            if not os.path.isfile(f):
                raise LwError("BAD_REQUEST", f"artifact file {f!r} does not exist")
        out = []
        for f, target in zip(files, targets):
            digest = sha256_file(f)
            mime = mimetypes.guess_type(f)[0] or "application/octet-stream"
            with open(f, "rb") as fh:
                view = self._client._http.put(f"{self._path}/artifacts", params={"path": target}, data=fh,
                                              headers={"content-type": mime, "x-checksum-sha256": digest, "content-length": str(os.path.getsize(f))}, expect=(201,))
            out.append(_artifact(self.id, view))
        return out

    def track_artifacts(self, files):
        """Tracks artifacts that stay where they are: URIs of any allowed scheme (``s3://…``,
        ``gs://…``, ``https://…``, ``file://…``) or local paths (with their size and sha256)."""
        return [_artifact(self.id, self._client._http.post(f"{self._path}/artifacts", _tracked(f), expect=(201,))) for f in _as_list(files, "track_artifacts")]

    def artifacts(self):
        body = self._client._http.get(f"{self._path}/artifacts")
        return [_artifact(self.id, a) for a in body["items"]]

    def download_artifact(self, path, dest):
        """Downloads a stored artifact to ``dest`` and verifies its sha256."""
        res = self._client._http.session.get(f"{self._client._http.url}{self._path}/artifacts/content", params={"path": path}, stream=True, timeout=self._client._http.timeout)
        if res.status_code != 200:
            from ._http import error_from_response

            raise error_from_response(res, f"download {path}")
        h = hashlib.sha256()
        with open(dest, "wb") as f:
            for chunk in res.iter_content(CHUNK):
                h.update(chunk)
                f.write(chunk)
        expected = res.headers.get("x-checksum-sha256")
        if expected and expected != h.hexdigest():
            raise LwError("CHECKSUM_MISMATCH", f"{path}: downloaded sha256 {h.hexdigest()} differs from the registry's {expected}")
        return dest

    def _add_artifacts(self, artifacts):
        """``artifacts`` at creation: local files are uploaded, URIs and absolute paths that are not files tracked."""
        for f in _as_list(artifacts, "artifacts"):
            if os.path.isfile(f):
                self.upload_artifact([f])
            else:
                self.track_artifacts([f])


def _check_artifacts(artifacts):
    files = _as_list(artifacts, "artifacts") if artifacts else []
    for f in files:
        if not os.path.isfile(f) and len(urlparse(f).scheme) <= 1 and not os.path.isabs(f):
            raise LwError("BAD_REQUEST", f"artifact file {f!r} does not exist")
    return files


class ModelVersion(_Records):
    """One immutable version of a model (auto-numbered by the registry; ``version`` is its label)."""

    def __init__(self, client, model_id, view):
        self._client = client
        self.model_id = model_id
        self._set(view)

    def _set(self, view):
        self.number = view["number"]
        self.framework = view.get("framework")
        self.metadata = dict(view.get("metadata") or {})
        legacy = self.metadata.get("modelbox") if isinstance(self.metadata.get("modelbox"), dict) else {}
        self.version = view.get("label") or legacy.get("version")
        self.name = view.get("name") or legacy.get("name")
        self.description = view.get("description") or legacy.get("description")
        self.unique_tags = list(view.get("tags") or [])
        self.status = view.get("status")
        self.created_at = view.get("createdAt")

    @property
    def id(self):
        return f"{self.model_id}/versions/{self.number}"

    @property
    def _path(self):
        return f"/v1/models/{quote(self.model_id, safe='')}/versions/{self.number}"

    def __repr__(self):
        return f"ModelVersion(model_id={self.model_id!r}, number={self.number}, version={self.version!r}, tags={self.unique_tags})"

    def refresh(self):
        self._set(self._client._http.get(self._path))
        return self


class Model(_Records):
    """A model in a namespace, with its versions; metrics, metadata and artifacts of its own."""

    def __init__(self, client, view):
        self._client = client
        self._set(view)

    def _set(self, view):
        self.id = view["id"]
        self.name = view["name"]
        self.owner = view["owner"]
        self.namespace = view["namespace"]
        self.task = view.get("task")
        self.description = view.get("description")
        self.metadata = dict(view.get("metadata") or {})
        self.latest_version = view.get("latestVersion")
        self.kind = view.get("kind")

    def __repr__(self):
        return f"Model(id={self.id!r}, name={self.name!r}, namespace={self.namespace!r}, owner={self.owner!r})"

    @property
    def full_name(self):
        return f"{self.namespace}/{self.name}"

    @property
    def _path(self):
        return f"/v1/models/{quote(self.id, safe='')}"

    def new_model_version(self, version=None, name=None, description=None, artifacts=None, metadata=None, unique_tags=None, framework=None):
        """Creates the next version; ``artifacts`` (local files uploaded, URIs tracked) are added to it."""
        if metadata is not None and not isinstance(metadata, dict):
            raise LwError("BAD_REQUEST", f"metadata must be a dict, got {type(metadata).__name__}")
        for label, v in (("version", version), ("name", name), ("description", description), ("framework", framework)):
            if v is not None and not isinstance(v, str):
                raise LwError("BAD_REQUEST", f"{label} must be a string, got {v!r}")
        files = _check_artifacts(artifacts)
        if unique_tags is not None and (isinstance(unique_tags, str) or not all(isinstance(t, str) for t in unique_tags)):
            raise LwError("BAD_REQUEST", f"unique_tags must be a list of strings, got {unique_tags!r}")
        body = {"metadata": dict(metadata or {})}
        for key, v in (("label", version), ("name", name), ("description", description), ("framework", framework)):
            if v is not None:
                body[key] = v
        if unique_tags:
            body["tags"] = list(unique_tags)
        v = ModelVersion(self._client, self.id, self._client._http.post(f"{self._path}/versions", body, expect=(201,)))
        if files:
            v._add_artifacts(files)
        return v

    def versions(self):
        return [ModelVersion(self._client, self.id, v) for v in self._client._http.get(f"{self._path}/versions")["items"]]

    list_versions = versions

    def version(self, ref):
        """A version by number, tag, ``latest`` or its ``version`` label."""
        return ModelVersion(self._client, self.id, self._client._http.get(f"{self._path}/versions/{quote(str(ref), safe='')}"))


class Client:
    """``Client(url, token)``: the registry at ``url`` (default ``LW_SERVER_URL``), as the token's owner."""

    def __init__(self, url=None, token=None, timeout=120):
        self._http = Http(url, server_token(token), timeout=timeout)
        self._whoami = None

    def whoami(self):
        if self._whoami is None:
            self._whoami = self._http.get("/v1/whoami")
        return self._whoami

    def new_model(self, name, owner=None, namespace=None, task=None, description=None, artifacts=None, metadata=None):
        """Creates a model in ``namespace`` (default ``"default"``); names are unique per namespace
        (``CONFLICT``). ``owner`` is kept when it is the caller (an admin may name anyone)."""
        if not isinstance(name, str) or not name.strip():
            raise LwError("BAD_REQUEST", f"name must be a non-empty string, got {name!r}")
        if metadata is not None and not isinstance(metadata, dict):
            raise LwError("BAD_REQUEST", f"metadata must be a dict, got {type(metadata).__name__}")
        files = _check_artifacts(artifacts)
        body = {"name": name, "namespace": namespace or DEFAULT_NAMESPACE}
        for key, v in (("owner", owner), ("task", task), ("description", description)):
            if v is not None:
                body[key] = v
        if metadata:
            body["metadata"] = metadata
        m = Model(self, self._http.post("/v1/models", body, expect=(201,)))
        if files:
            m._add_artifacts(files)
        return m

    def list_models(self, namespace=None, owner=None):
        params = {"limit": 500}
        if owner:
            params["owner"] = owner
        path = f"/v1/namespaces/{quote(namespace, safe='')}/models" if namespace else "/v1/models"
        if not namespace:
            params["kind"] = "model"
        return [Model(self, m) for m in self._http.get(path, params=params)["items"]]

    def get_model(self, ref):
        """A model by id, ``"namespace/name"`` or a name in the default namespace."""
        return Model(self, self._http.get(f"/v1/models/{quote(str(ref), safe='')}"))

    def get_version(self, ref):
        """A version by address: ``"namespace/name@tag"``, ``"namespace/name:3"``, ``"namespace/name:v1"``
        or ``"namespace/name"`` (the latest)."""
        body = self._http.get(f"/v1/resolve/{quote(str(ref), safe='')}")
        return ModelVersion(self, body["model"]["id"], body["version"])

    def list_model_versions(self, model):
        return (model if isinstance(model, Model) else self.get_model(model)).versions()

    def delete_model(self, model):
        mid = model.id if isinstance(model, Model) else model
        return self._http.delete(f"/v1/models/{quote(str(mid), safe='')}")
