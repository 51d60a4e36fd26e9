"""The one HTTP client: a ``requests`` session that retries politely and names what failed.

``push`` (Graph Store Protocol and SPARQL Update), ``link`` (SPARQL queries to Wikidata) and
``query --endpoint`` all talk through :class:`HttpClient`. It retries with urllib3's
:class:`~urllib3.util.Retry`: on connection errors and on 429/500/502/503/504 answers, waiting
``backoff × 2ⁿ`` seconds between attempts or what the server's ``Retry-After`` asks for; every
request has a timeout and says who asks (``User-Agent: euproj-rdf/<version>``). A request that
must never be repeated (``push``'s ``MOVE``: after a timeout a second one would move an emptied
staging graph onto the target) is sent with ``retry=False``.

When the server cannot be reached the client raises its ``error`` class (a
:class:`~euproj_rdf.errors.StoreError` for stores, :class:`~euproj_rdf.errors.LinkError` for
link proposals); answers of any status are returned to the caller, who knows what they mean.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase
from urllib3.util import Retry

from .errors import EuprojError, StoreError
from .version import __version__

__all__ = ["HttpClient", "RETRIED_STATUSES", "USER_AGENT", "reply_text"]

USER_AGENT = f"euproj-rdf/{__version__} (linked data of EU-funded cooperation projects)"
#: answers worth asking again: too many requests, and the server's passing troubles
RETRIED_STATUSES = (429, 500, 502, 503, 504)
_METHODS = frozenset({"GET", "HEAD", "PUT", "POST", "DELETE"})


def _session(retry: Retry, auth: AuthBase | None) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.auth = auth
    return session


class HttpClient:
    """Requests with retries, backoff, ``Retry-After``, a timeout and our User-Agent.

    ``unreachable`` is the message of the ``error`` raised when no answer came, with ``{url}``
    and ``{error}`` (the kind of failure, e.g. ``ConnectionError``) filled in.
    """

    def __init__(self, *, error: type[EuprojError] = StoreError, retries: int = 3, backoff: float = 0.5,
                 timeout: float = 60.0, auth: AuthBase | None = None,
                 unreachable: str = "cannot reach {url}: {error}"):
        self.error = error
        self.timeout = timeout
        self.unreachable = unreachable
        self.retrying = _session(Retry(
            total=retries, backoff_factor=backoff, status_forcelist=RETRIED_STATUSES, allowed_methods=_METHODS,
            respect_retry_after_header=True, raise_on_status=False,
        ), auth)
        self.once = _session(Retry(total=0, raise_on_status=False), auth)  # never repeated

    def request(self, method: str, url: str, *, step: str | None = None, retry: bool = True,
                timeout: float | None = None, **kw: Any) -> requests.Response:
        """Send one request (retried unless ``retry=False``); the answer, whatever its status."""
        session = self.retrying if retry else self.once
        try:
            return session.request(method, url, timeout=timeout or self.timeout, **kw)
        except requests.RequestException as exc:
            message = self.unreachable.format(url=url, error=type(exc).__name__)
            raise self.error(f"{step}: {message}" if step else message) from None

    def close(self) -> None:
        self.retrying.close()
        self.once.close()


def reply_text(resp: requests.Response) -> str:
    """The first line of an answer's body (at most 200 characters), or its reason phrase."""
    text = resp.text.strip()
    return text.splitlines()[0][:200] if text else resp.reason
