"""The one error type of the package: a string ``code`` (as the server's and runner's), a message, details."""


class LwError(Exception):
    """A failure with a ``code`` such as ``BAD_REQUEST``, ``NOT_FOUND``, ``FORBIDDEN``, ``NOT_SUPPORTED``.

    ``status`` is the HTTP status when the error came from a server.
    """

    def __init__(self, code, message, details=None, status=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.status = status

    def __str__(self):
        return f"{self.code}: {self.message}" + (f" (HTTP {self.status})" if self.status else "")
