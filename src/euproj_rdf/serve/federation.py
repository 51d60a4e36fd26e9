"""Safe federation: which SERVICE endpoints a query names, and the relay that alone contacts them.

A public endpoint must not be a proxy into the network it runs in. So ``serve`` refuses every
query with ``SERVICE`` unless the endpoint is on the allow-list the operator gave
(``--allow-service URL``, exact URLs). Allowed queries are rewritten so that pyoxigraph sends
its SERVICE requests to the server's own relay (``/.relay/<secret>/<n>``), and the relay
forwards them to the *n*-th allowed URL only: redirects are followed only to allowed URLs,
and the remote answer is cut at a size and a time limit.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from dataclasses import dataclass

import requests

from ..errors import StoreError
from ..http import HttpClient

__all__ = ["ServiceRefused", "service_targets", "rewrite_services", "relay_fetch", "RelayError"]


class ServiceRefused(Exception):
    """The query names a SERVICE endpoint that is not allowed (the message says which)."""


class RelayError(StoreError):
    """The remote endpoint failed, redirected elsewhere, or answered too much or too late."""


_TOKEN = re.compile(r'''
  (?P<space>\s+)
| (?P<comment>\#[^\n]*)
| (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$][\w\u00B7-\uFFFF]+)
| (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*)?:(?:[\w\-:%.\u00B7-\uFFFF]|\\.)*)
| (?P<word>[A-Za-z_]\w*)
| (?P<other>.)
''', re.VERBOSE | re.DOTALL)


@dataclass(frozen=True)
class Target:
    start: int  # span of the endpoint term in the query text
    end: int
    iri: str | None  # None: a variable


def service_targets(text: str, base: str) -> list[Target]:
    """The endpoint term of every ``SERVICE`` in a query, resolved (prefixes, BASE, ``base``).

    >>> [t.iri for t in service_targets('PREFIX e: <http://e.org/> SELECT * { SERVICE SILENT e:sparql { ?s ?p ?o } '
    ...                                  '# SERVICE <http://no/>\\n FILTER(?o = "SERVICE <http://no/>") }', "http://x/")]
    ['http://e.org/sparql']
    >>> [t.iri for t in service_targets('SELECT * { SERVICE ?where { ?s ?p ?o } }', "http://x/")]
    [None]
    """
    tokens = [(m.lastgroup, m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)
              if m.lastgroup not in ("space", "comment")]
    prefixes: dict[str, str] = {}
    out: list[Target] = []
    for i, (kind, value, _, _) in enumerate(tokens):
        if kind != "word":
            continue
        word = value.upper()
        nxt = tokens[i + 1: i + 4]
        if word == "BASE" and nxt and nxt[0][0] == "iri":
            base = urllib.parse.urljoin(base, nxt[0][1][1:-1])
        elif word == "PREFIX" and len(nxt) >= 2 and nxt[0][0] == "pname" and nxt[1][0] == "iri":
            prefixes[nxt[0][1].rstrip(":").split(":")[0]] = urllib.parse.urljoin(base, nxt[1][1][1:-1])
        elif word == "SERVICE":
            if nxt and nxt[0][0] == "word" and nxt[0][1].upper() == "SILENT":
                nxt = nxt[1:]
            if not nxt:
                continue
            tkind, tvalue, tstart, tend = nxt[0]
            if tkind == "iri":
                out.append(Target(tstart, tend, urllib.parse.urljoin(base, tvalue[1:-1])))
            elif tkind == "pname":
                tvalue = tvalue.rstrip(".")
                prefix, _, local = tvalue.partition(":")
                iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local) if prefix in prefixes else None
                out.append(Target(tstart, tstart + len(tvalue), iri if iri is not None else "?undeclared"))
            else:
                out.append(Target(tstart, tend, None))
    return out


def rewrite_services(text: str, base: str, allowed: list[str], relay: str) -> tuple[str, bool]:
    """The query with every SERVICE endpoint replaced by its relay URL, and whether it has any.

    Raises :class:`ServiceRefused` for an endpoint that is not on the allow-list (or a variable).

    >>> rewrite_services("SELECT * { SERVICE <http://a/sparql> { ?s ?p ?o } }", "http://x/", ["http://a/sparql"], "http://r/")
    ('SELECT * { SERVICE <http://r/0> { ?s ?p ?o } }', True)
    """
    if "service" not in text.lower():  # no SERVICE keyword can be in it: skip the tokenizer
        return text, False
    targets = service_targets(text, base)
    for t in targets:
        if t.iri is None:
            raise ServiceRefused("SERVICE with a variable endpoint is refused: name an allowed endpoint")
        if t.iri not in allowed:
            listed = ", ".join(allowed) if allowed else "none"
            raise ServiceRefused(f"SERVICE <{t.iri}> is not allowed on this endpoint (allowed: {listed})")
    for t in sorted(targets, key=lambda t: t.start, reverse=True):
        text = text[:t.start] + f"<{relay}{allowed.index(t.iri or '')}>" + text[t.end:]
    return text, bool(targets)


_REDIRECTS = (301, 302, 303, 307, 308)


def relay_fetch(url: str, allowed: list[str], method: str, query_string: str, body: bytes,
                headers: dict[str, str], *, timeout: float, max_bytes: int) -> tuple[int, str, bytes]:
    """Forward one SERVICE request to ``url`` (an allowed endpoint); (status, content type, body).

    Redirects are followed only to allowed URLs (at most 3); the whole exchange is cut after
    ``timeout`` seconds and the answer after ``max_bytes`` bytes.
    """
    deadline = time.monotonic() + timeout
    http = HttpClient(error=RelayError, retries=0, timeout=timeout,
                      unreachable="cannot reach the SERVICE endpoint {url}: {error}")
    try:
        return _follow(http, url, allowed, method, query_string, body, headers, deadline, timeout, max_bytes)
    finally:
        http.close()


def _follow(http: HttpClient, url: str, allowed: list[str], method: str, query_string: str, body: bytes,
            headers: dict[str, str], deadline: float, timeout: float, max_bytes: int) -> tuple[int, str, bytes]:
    for _ in range(4):
        target = url + ("?" + query_string if query_string else "")
        left = deadline - time.monotonic()
        if left <= 0:
            raise RelayError(f"the SERVICE endpoint {url} did not answer within {timeout:g} s")
        resp = http.request(method, target, retry=False, data=body or None, headers=headers, stream=True,
                            allow_redirects=False, timeout=(min(left, 10.0), left))  # type: ignore[arg-type]
        with resp:
            if resp.status_code in _REDIRECTS:
                location = urllib.parse.urljoin(url, resp.headers.get("Location", ""))
                base = location.split("?", 1)[0]
                if base not in allowed:
                    raise RelayError(f"the SERVICE endpoint {url} redirected to {location}, which is not allowed")
                url, query_string = base, (location.split("?", 1)[1] if "?" in location else query_string)
                continue
            data = bytearray()
            try:
                for chunk in resp.iter_content(65536):
                    data += chunk
                    if len(data) > max_bytes:
                        raise RelayError(f"the SERVICE endpoint {url} answered more than {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise RelayError(f"the SERVICE endpoint {url} did not answer within {timeout:g} s")
            except requests.RequestException as exc:
                raise RelayError(f"the SERVICE endpoint {url} failed: {exc.__class__.__name__}") from None
            return resp.status_code, resp.headers.get("Content-Type", "application/octet-stream"), bytes(data)
    raise RelayError(f"the SERVICE endpoint {url} redirected too often")
