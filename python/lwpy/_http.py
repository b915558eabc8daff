"""A small HTTP layer over ``requests`` for the clients: bearer auth, JSON, errors as ``LwError``."""
import json
import os

from ._errors import LwError

DEFAULT_SERVER = "http://127.0.0.1:8787"


def server_url(url=None):
    url = url or os.environ.get("LW_SERVER_URL") or DEFAULT_SERVER
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise LwError("BAD_REQUEST", f"Server URL {url!r} must start with http:// or https://")
    return url.rstrip("/")


def server_token(token=None):
    token = token if token is not None else os.environ.get("LW_TOKEN")
    if not token:
        raise LwError("UNAUTHENTICATED", "No token: pass token=... or set LW_TOKEN")
    return token


class Http:
    """Requests to one server with one token; every non-2xx answer raises ``LwError``."""

    def __init__(self, url, token, timeout=60):
        import requests  # imported here: the base classes must load without it

        self.url = server_url(url)
        self.session = requests.Session()
        if token:
            self.session.headers["authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def request(self, method, path, *, json_body=None, params=None, data=None, headers=None, files=None, expect=(200, 201, 202)):
        import requests

        try:
            res = self.session.request(method, self.url + path, json=json_body, params=params, data=data, headers=headers, files=files, timeout=self.timeout)
        except requests.RequestException as e:
            raise LwError("UNREACHABLE", f"{method} {self.url}{path} failed: {e}") from e
        if res.status_code not in expect:
            raise error_from_response(res, f"{method} {path}")
        if not res.content:
            return None
        if "json" in res.headers.get("content-type", ""):
            return res.json()
        return res.content

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json_body=body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, json_body=body, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def error_from_response(res, what):
    """``{"error": {code, message, details}}`` (server) or ``{code, message}`` (runner) → ``LwError``."""
    code, message, details = "HTTP_ERROR", res.text[:500], None
    try:
        body = res.json()
        err = body.get("error", body) if isinstance(body, dict) else None
        if isinstance(err, dict) and "code" in err:
            code, message, details = err["code"], err.get("message", ""), err.get("details")
    except (ValueError, json.JSONDecodeError):
        pass
    return LwError(code, f"{what}: {message}", details, res.status_code)
