"""VESSL's programming model: ``RunnerBase`` and ``register_model``, served by our runner.

A runner class turns API input into model input and back with five static methods, as in
VESSL (``load_model(props, artifacts)``, ``preprocess_data(model, data)``,
``predict(model, data)``, ``postprocess_data(model, data)``, ``save_model(model) -> dict``).
``register_model`` packs the runner's module, the props from ``save_model`` (or, when
``save_model`` is not overridden, the pickled ``model_instance``), the requirements and the
artifacts into a learnware and uploads it to the market as a new version of
``repository_name`` (a learnware id or name; a new learnware when none has that name).
Porting::

    import vessl                      →  from lwpy import vessl
    class MyRunner(vessl.RunnerBase): ...   (unchanged)
    vessl.register_model(repository_name="iris", model_number=None, runner_cls=MyRunner,
                         model_instance=clf, requirements=["scikit-learn"],
                         artifacts={"./out/weights.npy": "weights.npy"},   # {local_path: volume_path}
                         semantic=..., data=X)                              # ours: the market's spec

The runner's sandboxed Python worker serves the class: any JSON posted to the model
service's ``…/invoke`` reaches ``preprocess_data`` and ``postprocess_data``'s output is the
answer; the array API (``…/predict``, and the market's check) runs ``preprocess_data →
predict``. Inside the worker, ``load_model`` runs in the package folder, where every artifact
is at its volume path.
"""
import ast
import inspect
import io
import json
import os
import pickle
import re
import zipfile

from ._errors import LwError

__all__ = ["RunnerBase", "register_model", "build_package"]

MODEL_PICKLE = "model.pkl"
RESERVED = {"learnware.yaml", "runner.py", "__init__.py", "requirements.txt", "stat.json", MODEL_PICKLE}


class RunnerBase:
    """Base class of a runner: override ``predict`` (and the others as needed); all are static."""

    @staticmethod
    def load_model(props, artifacts):
        """Rebuilds the model. ``props`` is what ``save_model`` returned (None when it is not
        overridden: then the model pickled by ``register_model`` is loaded); ``artifacts`` is the
        ``{local_path: volume_path}`` mapping given to ``register_model``."""
        if props is None and os.path.exists(MODEL_PICKLE):
            with open(MODEL_PICKLE, "rb") as f:
                return pickle.load(f)
        return props

    @staticmethod
    def preprocess_data(model, data):
        """API input → model input (default: unchanged)."""
        return data

    @staticmethod
    def predict(model, data):
        raise NotImplementedError("A runner must override predict(model, data)")

    @staticmethod
    def postprocess_data(model, data):
        """Model output → API answer (default: unchanged)."""
        return data

    @staticmethod
    def save_model(model):
        """Props from which ``load_model`` rebuilds the model (``dict[str, str]``); default: pickle the model."""
        return None


def _overrides(cls, name):
    return getattr(cls, name) is not getattr(RunnerBase, name)


def _runner_source(runner_cls):
    """The runner's module reduced to its definitions: imports, classes, functions and constant
    assignments. Statements that do work (training, a ``register_model`` call, ``if __name__``
    blocks) are left out, so loading the runner in a worker does not run the script again."""
    try:
        path = inspect.getsourcefile(runner_cls)
        with open(path) as f:
            source = f.read()
    except (TypeError, OSError) as e:
        raise LwError("BAD_REQUEST", f"The source of {runner_cls.__name__} cannot be read (define the runner in a .py file): {e}") from None
    tree = ast.parse(source)
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            keep.append(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            try:
                ast.literal_eval(node.value)
                keep.append(node)
            except ValueError:
                pass
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            keep.append(node)  # docstrings
    lines = source.splitlines()
    parts = []
    for node in keep:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        parts.append("\n".join(lines[start - 1 : node.end_lineno]))
    out = "\n\n".join(parts) + "\n"
    # `import vessl` (the original package) becomes ours, so unported runners load too.
    out = re.sub(r"^import vessl\s*$", "from lwpy import vessl", out, flags=re.M)
    return out


def _artifact_files(artifacts):
    """``{local_path: volume_path}`` → [(zip path, local file)]; folders are taken whole."""
    files = []
    if artifacts is None:
        return files
    if not isinstance(artifacts, dict):
        raise LwError("BAD_REQUEST", f"artifacts must be a dict {{local_path: volume_path}}, got {type(artifacts).__name__}")
    for local, volume in artifacts.items():
        if not isinstance(local, str) or not isinstance(volume, str) or not volume.strip():
            raise LwError("BAD_REQUEST", f"artifacts entry {local!r}: {volume!r} must map a local path to a volume path (strings)")
        vol = os.path.normpath(volume.strip().lstrip("/"))
        if vol.startswith("..") or vol == ".":
            raise LwError("BAD_REQUEST", f"artifact volume path {volume!r} must stay inside the model volume")
        if os.path.isdir(local):
            for dirpath, _, names in os.walk(local):
                for n in sorted(names):
                    p = os.path.join(dirpath, n)
                    files.append((os.path.join(vol, os.path.relpath(p, local)), p))
        elif os.path.isfile(local):
            files.append((vol, local))
        else:
            raise LwError("BAD_REQUEST", f"artifact {local!r} does not exist")
    for zpath, _ in files:
        if zpath in RESERVED:
            raise LwError("BAD_REQUEST", f"artifact volume path {zpath!r} is reserved for the package itself")
    return files


def build_package(runner_cls, model_instance=None, requirements=None, artifacts=None, *, stat_spec=None, data=None, input_shape=None, output_shape=None):
    """The learnware zip (bytes) for a runner class, and the list of its files."""
    if not (isinstance(runner_cls, type) and issubclass(runner_cls, RunnerBase)):
        raise LwError("BAD_REQUEST", f"runner_cls must be a subclass of lwpy.vessl.RunnerBase, got {runner_cls!r}")
    if not _overrides(runner_cls, "predict"):
        raise LwError("BAD_REQUEST", f"{runner_cls.__name__} does not override predict(model, data)")
    if _overrides(runner_cls, "save_model") and not _overrides(runner_cls, "load_model"):
        raise LwError("BAD_REQUEST", f"{runner_cls.__name__} overrides save_model, so it must override load_model too")
    files = {"runner.py": _runner_source(runner_cls).encode("utf-8")}
    props = None
    if _overrides(runner_cls, "save_model"):
        props = runner_cls.save_model(model_instance)
        try:
            json.dumps(props)
        except (TypeError, ValueError) as e:
            raise LwError("BAD_REQUEST", f"{runner_cls.__name__}.save_model returned props that are not JSON ({e}); return a dict[str, str]") from None
    elif model_instance is not None:
        files[MODEL_PICKLE] = pickle.dumps(model_instance)
    reqs = list(requirements or [])
    if any(not isinstance(r, str) or "\n" in r for r in reqs):
        raise LwError("BAD_REQUEST", "requirements must be a list of requirement strings, one per entry")
    if reqs:
        files["requirements.txt"] = ("\n".join(r.strip() for r in reqs) + "\n").encode("utf-8")
    mapping = {}
    for zpath, local in _artifact_files(artifacts):
        with open(local, "rb") as f:
            files[zpath] = f.read()
    if artifacts:
        mapping = {k: os.path.normpath(v.strip().lstrip("/")) for k, v in artifacts.items()}
    if stat_spec is not None:
        from ._rkme import load_stat_spec

        files["stat.json"] = load_stat_spec(stat_spec).encode("utf-8")
    elif data is not None:
        from ._rkme import rkme_table_spec

        files["stat.json"] = json.dumps(rkme_table_spec(data)).encode("utf-8")
    else:
        raise LwError("BAD_REQUEST", "register_model needs data=... (rows summarised into the market's RKME specification) or stat_spec=...")
    kwargs = {"props": props, "artifacts": mapping}
    if input_shape is not None:
        kwargs["input_shape"] = [int(x) for x in (input_shape if isinstance(input_shape, (list, tuple)) else [input_shape])]
    if output_shape is not None:
        kwargs["output_shape"] = [int(x) for x in (output_shape if isinstance(output_shape, (list, tuple)) else [output_shape])]
    yaml_text = "\n".join([
        "model:",
        f"  class_name: {json.dumps(runner_cls.__name__)}",
        "  module_path: runner.py",
        f"  kwargs: {json.dumps(kwargs)}",
        "stat_specifications:",
        "  - module_path: learnware.specification",
        "    class_name: RKMETableSpecification",
        "    file_name: stat.json",
        "    kwargs: {}",
        "",
    ])
    files["learnware.yaml"] = yaml_text.encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            z.writestr(name, files[name])
    return buf.getvalue(), sorted(files)


def _find_repository(http, repository_name, owner):
    if re.fullmatch(r"\d{8}", repository_name):
        return http.get(f"/v1/learnwares/{repository_name}")
    page = http.get("/v1/learnwares", params={"q": repository_name, "owner": owner, "limit": 500})
    hits = [m for m in page["items"] if m["name"] == repository_name]
    if len(hits) > 1:
        raise LwError("CONFLICT", f"{len(hits)} learnwares of {owner} are named {repository_name!r} ({', '.join(m['id'] for m in hits)}); pass the id")
    return hits[0] if hits else None


def register_model(repository_name, model_number, runner_cls, model_instance=None, requirements=None, artifacts=None, *,
                   semantic=None, data=None, stat_spec=None, input_shape=None, output_shape=None, server=None, token=None):
    """Packs the runner and uploads it as version ``model_number`` of ``repository_name``.

    ``model_number`` None takes the next number; a number is checked *before* anything is
    uploaded (``CONFLICT`` when the next version would have another number). A repository that
    does not exist is created (it then needs ``semantic``, the market's semantic specification).
    Returns ``{"learnware_id", "model_number", "status", "files"}``.
    """
    from ._http import Http, server_token

    if not isinstance(repository_name, str) or not repository_name.strip():
        raise LwError("BAD_REQUEST", f"repository_name must be a non-empty string, got {repository_name!r}")
    if model_number is not None and (not isinstance(model_number, int) or isinstance(model_number, bool) or model_number < 1):
        raise LwError("BAD_REQUEST", f"model_number must be a positive integer or None, got {model_number!r}")
    zip_bytes, names = build_package(runner_cls, model_instance, requirements, artifacts, stat_spec=stat_spec, data=data, input_shape=input_shape, output_shape=output_shape)
    http = Http(server, server_token(token))
    owner = http.get("/v1/whoami")["owner"]
    existing = _find_repository(http, repository_name, owner)
    expected = (existing["latestVersion"] or 0) + 1 if existing else 1
    if model_number is not None and model_number != expected:
        raise LwError("CONFLICT", f"{repository_name} would get model number {expected}, not {model_number}; nothing was uploaded")
    files = {"package": ("learnware.zip", zip_bytes, "application/zip")}
    if existing is None:
        if semantic is None:
            raise LwError("BAD_REQUEST", f"No learnware named {repository_name!r} exists; creating it needs semantic=... (the semantic specification)")
        sem = dict(semantic)
        name = (sem.get("Name") or {}).get("Values") if isinstance(sem.get("Name"), dict) else None
        if name not in (None, "", repository_name):
            raise LwError("BAD_REQUEST", f"semantic Name {name!r} differs from repository_name {repository_name!r}; the repository name is the learnware's name")
        sem["Name"] = {"Values": repository_name, "Type": "String"}
        body = http.request("POST", "/v1/learnwares", data={"semantic": json.dumps(sem)}, files=files)
    else:
        form = {"semantic": json.dumps(semantic)} if semantic is not None else {}
        body = http.request("PATCH", f"/v1/learnwares/{existing['id']}", data=form, files=files)
    version = body["version"]
    return {"learnware_id": body["learnware"]["id"], "model_number": version["number"], "status": version.get("status", "pending"), "files": names}
