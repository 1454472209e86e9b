#!/usr/bin/env python3
"""fixture_server.py -- carvest's HTTP test server for fixture sites.

carvest's integration tests crawl copies of real collector-car sites stored
on disk.  This server serves them on 127.0.0.1, and misbehaves on demand the
way real sites do (429 with Retry-After, 503, dropped connections, truncated
bodies, bot-challenge pages, slow and huge responses), so the fetcher's
politeness and robustness can be tested without the internet.  It is in the
spirit of curl's test servers: standard library only, started by the test,
told what to do by files, and it records every request it sees.

Site layout (the same as the reference copies): the real URL
``https://HOST/PATH?QUERY`` is the file ``ROOT/HOST/PATH``; a folder means its
``index.html``; a query string means the sibling file ``NAME@QUERY`` (for a
folder NAME is ``index.html``) with the parameters sorted by key and tracking
parameters (utm_*, fbclid, gclid, ...) dropped.  carvest reaches it with
``--map-origin 'https://*=http://127.0.0.1:PORT/{host}'``, so the request
path is ``/HOST/PATH?QUERY``:

    /h/a.html                     -> ROOT/h/a.html
    /h/vehicles/                  -> ROOT/h/vehicles/index.html
    /h/vehicles?page=2            -> ROOT/h/vehicles/index.html@page=2
    /h/inventory/?offset=0&limit=4&utm_source=x
                                  -> ROOT/h/inventory/index.html@limit=4&offset=0
    /h/a.html?x=1                 -> ROOT/h/a.html@x=1

--root may be given more than once: a request is served from the first root
that has the file (so a folder generated at test time can add pages to the
committed fixtures), and a 404 only when none has it.

A folder asked for without its trailing slash is served directly, except for
hosts named with --slash-redirect, which answer
``301 Location: https://HOST/PATH/`` (an absolute real URL, query kept).

BaT's "Show More" endpoint (--bat-rest FILE, repeatable, items merged):
``POST /bringatrailer.com/wp-json/bringatrailer/1.0/data/listings-filter``
answers from files shaped like tests/fixtures/bat-rest.json, ``{"nonce":
"...", "items": [{..., "member_id": N}, ...]}``, the way the real endpoint
does (research: sources.md 2.2):
  - the X-WP-Nonce header must be a file's nonce, else 403
    {"code":"rest_cookie_invalid_nonce","message":"Cookie check failed",...};
  - the body is JSON: {"page":K,"per_page":P,"get_items":1,"sort":"td",
    "base_filter":{"member_id":N}}; only base_filter.member_id filters: a
    top-level or form-encoded filter is ignored and the answer is every item
    (BaT's unfiltered "firehose"); a body that says JSON and is not: 400;
  - per_page 1..48 (default 24), page >= 1 (default 1), else 400
    {"code":"rest_invalid_param",...};
  - items newest first (timestamp_end descending), page K of size P:
    {"items":[...],"items_total":N,"items_per_page":P,"page_current":K,
     "pages_total":T,"is_default_keyword_filter":false} as
    application/json, slashes escaped like WordPress does, member_id left
    out of the items; a page past the end has no items;
  - another method: 404 {"code":"rest_no_route",...}.
Fault rules are tried first, so a test can make the endpoint answer 429.

Faults (--faults FILE): a JSON list of rules, tried in order for every
request; the first rule that matches and has uses left applies and uses one.

    [
      {"path": "/bringatrailer.com/listing/x/", "times": 2,
       "status": 429, "headers": {"Retry-After": "2"}},
      {"prefix": "/www.classic.com/", "action": "challenge", "times": 3},
      {"path": "/h/robots.txt", "action": "drop"},
      {"prefix": "/h/big", "action": "big", "bytes": 20000000},
      {"method": "POST", "prefix": "/bringatrailer.com/wp-json/",
       "action": "file", "file": "bringatrailer.com/rest/page1.json", "times": 1}
    ]

Match keys (all optional; a rule without any matches every request):
  path    the request target exactly, query included ("/h/a/?x=1"); also
          compared with the target whose query is normalised as above
  prefix  a prefix of the request target (either form)
  method  "GET", "HEAD", "POST", ...
Other keys:
  times   how many requests the rule applies to (default: unlimited)
  name    what the log's "fault" field says (default: the action, or the
          status as a string for a plain status rule, e.g. "429")
  comment ignored
  headers extra response headers, {"Name": "value"} (all but drop); a
          Content-Type or Server given here replaces the default one
  encoding  "identity", "gzip" or "deflate": force this Content-Encoding
          whatever the client accepts (default: negotiated as usual; the
          "big" action is identity unless this is given)
Actions (a rule has "action" or, for a plain error, just "status"):
  (none)     "status": N [, "body": "..."] -- answer N with that body (a
             small HTML page by default)
  drop       close the connection without any response (logged status 0)
  truncate   the real response's headers with its full Content-Length, half
             of its body, then close
  slow       "delay_ms": N -- sleep N ms before answering, then serve the
             real file (or "status"/"body" when given)
  trickle    "delay_ms": N [, "chunk_bytes": B] -- send the real body in
             small pieces (B bytes, default a tenth) spread over about N ms
  challenge  a Cloudflare "Just a moment..." page: 403 (or "status"),
             cf-mitigated: challenge, Server: cloudflare
  redirect   "location": URL [, "status": 301|302|303|307|308 (301)]
  big        "bytes": N -- 200 text/html of N bytes, chunked, no
             Content-Length
  file       "file": "path/under/root" [, "status": N (200)] -- serve that
             file (from the first root that has it) instead of the
             requested one

Every method is answered like GET (a request body is read, and logged);
HEAD gets the headers only.  Use a "method" match to answer POSTs
differently, e.g. a sequence of "file" rules with "times": 1 for the pages
of a JSON endpoint.

Request log (--log FILE): one JSON object per line, appended and flushed as
soon as the response is decided (before any delay):
  {"t": 1712345678.123, "method": "GET", "path": "/h/a/?x=1", "host": "h",
   "status": 200, "bytes": 5120, "ua": "carvest/0.1", "accept_encoding":
   "gzip, deflate", "encoding": "gzip", "fault": null, "conn": 3}
"t" is the arrival time of the request, "bytes" the body bytes put on the
wire (after Content-Encoding; half for truncate; 0 for drop and HEAD; N for
big), "conn" numbers the TCP connections from 1.  A request that carried a
body also gets "req_body" (its first 4096 bytes as text).  GET /__health
answers 200 "ok" and is not logged.

Usage:
  fixture_server.py --root DIR [--root DIR]... [--bind 127.0.0.1] [--port 0]
      [--log FILE] [--faults FILE] [--portfile FILE] [--slash-redirect HOST]...
      [--real-scheme https] [--compress auto|gzip|deflate|none]
      [--bat-rest FILE]...
It prints "PORT <n>" on stdout once listening and exits 0 on SIGTERM/SIGINT.
"""

import argparse
import itertools
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

HEALTH_PATH = "/__health"
REQ_BODY_LOG_LIMIT = 4096
IDLE_TIMEOUT_S = 60
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
    "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi",
})
TRACKING_PREFIXES = ("utm_",)

HTML = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".html": HTML, ".htm": HTML, ".aspx": HTML, ".asp": HTML,
    ".php": HTML, ".jsp": HTML, "": HTML,
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".gif": "image/gif", ".webp": "image/webp", ".ico": "image/x-icon",
    ".pdf": "application/pdf",
}
COMPRESSIBLE = ("text/", "application/json", "application/xml",
                "application/javascript", "image/svg+xml")
ENCODINGS = ("identity", "gzip", "deflate")


# --------------------------------------------------------------- mapping

def is_tracking_param(key):
    k = unquote(key).lower()
    return k in TRACKING_PARAMS or k.startswith(TRACKING_PREFIXES)


def normalise_query(query):
    """The query as a fixture file name stores it: pairs sorted by key
    (stable), empty pairs and tracking parameters dropped."""
    pairs = [p for p in query.split("&") if p]
    pairs = [p for p in pairs if not is_tracking_param(p.partition("=")[0])]
    pairs.sort(key=lambda p: p.partition("=")[0])
    return "&".join(pairs)


def split_target(target):
    """(path, query) of a request target; absolute-form targets are cut
    down to their path."""
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        target = "/" + rest.partition("/")[2]
    target = target.partition("#")[0]
    path, _, query = target.partition("?")
    return path, query


def normalised_target(target):
    path, query = split_target(target)
    nq = normalise_query(query)
    return path + ("?" + nq if nq else "")


def content_type_for(name):
    """Content-Type of a fixture file; a query suffix (@...) is ignored and
    anything unknown is taken for an HTML page."""
    base = os.path.basename(name).partition("@")[0]
    ext = os.path.splitext(base)[1].lower()
    return CONTENT_TYPES.get(ext, HTML)


@dataclass
class Reply:
    """A response before content coding: status, type, body, extras."""
    status: int
    body: bytes = b""
    content_type: str = HTML
    headers: list = field(default_factory=list)
    server: str = ""              # overrides the Server header when set


def error_reply(status, detail=""):
    reason = BaseHTTPRequestHandler.responses.get(status, ("Error",))[0]
    text = (f"<!DOCTYPE html>\n<html><head><title>{status} {reason}</title>"
            f"</head>\n<body><h1>{reason}</h1>\n<p>{detail}</p></body></html>\n")
    return Reply(status, text.encode())


def file_reply(fs_path, status=200):
    try:
        with open(fs_path, "rb") as f:
            body = f.read()
    except OSError:
        return error_reply(404, "No fixture file.")
    return Reply(status, body, content_type_for(fs_path))


class Site:
    """Maps request targets onto the fixture trees (the first root that has
    the file wins)."""

    def __init__(self, roots, slash_hosts=(), real_scheme="https"):
        if isinstance(roots, str):
            roots = [roots]
        self.roots = [os.path.abspath(r) for r in roots]
        self.root = self.roots[0]
        self.slash_hosts = set(slash_hosts)
        self.real_scheme = real_scheme

    @staticmethod
    def inside(root, fs_path):
        fs_path = os.path.normpath(fs_path)
        return os.path.commonpath([root, fs_path]) == root

    def contains(self, fs_path):
        return any(self.inside(root, fs_path) for root in self.roots)

    def find_file(self, relpath):
        """The file relpath (a path under a root) in the first root that
        has it, or None."""
        for root in self.roots:
            fs_path = os.path.join(root, relpath)
            if self.inside(root, fs_path) and os.path.isfile(fs_path):
                return fs_path
        return None

    def reply_for(self, target):
        raw_path, query = split_target(target)
        path = unquote(raw_path)
        segments = [s for s in path.split("/") if s not in ("", ".")]
        if ".." in segments or "\0" in path:
            return error_reply(403, "Path escapes the fixture root.")
        if not segments:
            return error_reply(404, "No host in the path.")
        # The first root that has the page serves it (or redirects to it);
        # when none has it, the first root's 404.
        first = None
        for root in self.roots:
            reply = self.reply_in_root(root, segments, path, raw_path, query)
            if reply.status != 404:
                return reply
            first = first or reply
        return first

    def reply_in_root(self, root, segments, path, raw_path, query):
        fs_path = os.path.join(root, *segments)
        if not self.inside(root, fs_path):
            return error_reply(403, "Path escapes the fixture root.")
        if os.path.isdir(fs_path):
            if (not path.endswith("/") and len(segments) > 1
                    and segments[0] in self.slash_hosts):
                return self.slash_redirect(raw_path, query)
            fs_path = os.path.join(fs_path, "index.html")
        elif path.endswith("/"):
            return error_reply(404, "No such folder.")
        return self.file_for_query(fs_path, query)

    def slash_redirect(self, raw_path, query):
        location = f"{self.real_scheme}://{raw_path.lstrip('/')}/"
        if query:
            location += "?" + query
        reply = error_reply(301, "Moved Permanently.")
        reply.headers.append(("Location", location))
        return reply

    def file_for_query(self, fs_path, query):
        nq = normalise_query(query)
        if nq:
            candidates = [fs_path + "@" + nq.replace("/", "%2F"),
                          fs_path + "@" + unquote(nq).replace("/", "%2F")]
            fs_path = next((c for c in candidates if os.path.isfile(c)),
                           candidates[0])
        if not os.path.isfile(fs_path):
            return error_reply(404, "No fixture for this URL.")
        return file_reply(fs_path)


# ---------------------------------------------------------------- faults

class FaultError(Exception):
    pass


COMMON_KEYS = {"path", "prefix", "method", "times", "name", "comment"}
ACTION_KEYS = {
    None: {"status", "headers", "body", "encoding"},
    "drop": set(),
    "truncate": {"headers", "encoding"},
    "slow": {"delay_ms", "status", "headers", "body", "encoding"},
    "trickle": {"delay_ms", "chunk_bytes", "headers", "encoding"},
    "challenge": {"status", "headers"},
    "redirect": {"location", "status", "headers"},
    "big": {"bytes", "headers", "encoding"},
    "file": {"file", "status", "headers", "encoding"},
}
REQUIRED_KEYS = {
    None: {"status"}, "slow": {"delay_ms"}, "trickle": {"delay_ms"},
    "redirect": {"location"}, "big": {"bytes"}, "file": {"file"},
}
KEY_TYPES = {
    "path": str, "prefix": str, "method": str, "name": str, "location": str,
    "body": str, "file": str, "encoding": str, "times": int, "status": int,
    "delay_ms": (int, float), "chunk_bytes": int, "bytes": int,
    "headers": dict,
}


class FaultRule:
    """One validated rule of the faults file, with its use counter."""

    def __init__(self, index, spec, site):
        self.index = index
        self.spec = spec
        self.validate(site)
        self.action = spec.get("action")
        self.path = spec.get("path")
        self.prefix = spec.get("prefix")
        self.method = spec.get("method", "").upper() or None
        self.left = spec.get("times")
        default_name = self.action or str(spec.get("status"))
        self.name = spec.get("name", default_name)

    def fail(self, why):
        raise FaultError(f"fault rule #{self.index} {json.dumps(self.spec)}: {why}")

    def validate(self, site):
        spec = self.spec
        if not isinstance(spec, dict):
            self.fail("a rule must be a JSON object")
        action = spec.get("action")
        if action not in ACTION_KEYS:
            self.fail(f"unknown action {action!r} (known: "
                      f"{', '.join(a for a in ACTION_KEYS if a)})")
        allowed = COMMON_KEYS | ACTION_KEYS[action] | {"action"}
        for key in spec:
            if key not in allowed:
                self.fail(f"unknown key {key!r} for action {action or 'status'}")
        for key in REQUIRED_KEYS.get(action, ()):
            if key not in spec:
                self.fail(f"missing key {key!r}")
        for key, value in spec.items():
            want = KEY_TYPES.get(key)
            if want and (not isinstance(value, want) or isinstance(value, bool)):
                self.fail(f"key {key!r} has the wrong type")
        self.validate_values(site)

    def validate_values(self, site):
        spec = self.spec
        status = spec.get("status")
        if status is not None and not 100 <= status <= 599:
            self.fail("status must be 100..599")
        if spec.get("action") == "redirect" and status is not None \
                and not 300 <= status <= 399:
            self.fail("a redirect status must be 3xx")
        if "body" in spec and status is None:
            self.fail("a body needs a status")
        if spec.get("times") is not None and spec["times"] < 1:
            self.fail("times must be at least 1")
        for key in ("delay_ms", "bytes", "chunk_bytes"):
            if key in spec and spec[key] < (1 if key == "chunk_bytes" else 0):
                self.fail(f"{key} is out of range")
        if spec.get("encoding", "identity") not in ENCODINGS:
            self.fail(f"encoding must be one of {', '.join(ENCODINGS)}")
        if not all(isinstance(v, str) for v in spec.get("headers", {}).values()):
            self.fail("header values must be strings")
        if "file" in spec and not site.find_file(spec["file"]):
            self.fail(f"file {spec['file']!r} is not a file under a root")

    def matches(self, method, targets):
        if self.method and self.method != method:
            return False
        if self.path is not None and self.path not in targets:
            return False
        if self.prefix is not None and not any(t.startswith(self.prefix)
                                               for t in targets):
            return False
        return True


class FaultBook:
    """The rules of a faults file; take() finds and uses the applicable one."""

    def __init__(self, rules=()):
        self.rules = list(rules)
        self.lock = threading.Lock()

    @classmethod
    def load(cls, filename, site):
        try:
            with open(filename, encoding="utf-8") as f:
                specs = json.load(f)
        except (OSError, ValueError) as e:
            raise FaultError(f"cannot read faults file {filename}: {e}") from e
        if not isinstance(specs, list):
            raise FaultError(f"faults file {filename}: expected a JSON list of rules")
        return cls(FaultRule(i, spec, site) for i, spec in enumerate(specs, 1))

    def take(self, method, target):
        targets = {target, normalised_target(target)}
        with self.lock:
            for rule in self.rules:
                if rule.left != 0 and rule.matches(method, targets):
                    if rule.left is not None:
                        rule.left -= 1
                    return rule
        return None


CHALLENGE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>\
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">\
<meta http-equiv="X-UA-Compatible" content="IE=Edge">\
<meta name="robots" content="noindex,nofollow">\
<meta name="viewport" content="width=device-width,initial-scale=1">\
<link href="/cdn-cgi/styles/challenges.css" rel="stylesheet">\
<meta http-equiv="refresh" content="390"></head>
<body class="no-js"><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">{host}</h1>
<h2 id="challenge-running" class="h2">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title"><div class="h2"><span id="challenge-error-text">\
Enable JavaScript and cookies to continue</span></div></div></noscript>
<div id="cf-content" class="cf-browser-verification cf-im-under-attack" style="display:none">\
Please stand by, while we are checking your browser...</div>
<div id="challenge-body-text" class="core-msg spacer">{host} needs to review the security \
of your connection before proceeding.</div>
<div id="challenge-platform"></div>
</div></div>
<script>(function(){{window._cf_chl_opt={{cvId: '3',cZone: "{host}",cType: 'managed',\
cNounce: '84012',cRay: '{ray}',cHash: '7a1d3c0e5b9f2a4',cUPMDTk: "\\/?__cf_chl_tk=Zq3l",\
cFPWv: 'b',cTTimeMs: '1000',cMTimeMs: '390000',cTplV: 5,cTplB: 'cf',cK: "",\
fa: "\\/?__cf_chl_f_tk=Zq3l",md: "p7W0x.Lq",cRq: {{ru: 'aHR0cHM6Ly8=',ra: 'bW96aWxsYQ==',\
rm: 'R0VU',d: 'c2Vjcg==',t: 'MTcwMDAwMDAwMA==',cT: Math.floor(Date.now() / 1000),m: 'eA=='}}}};\
var cpo = document.createElement('script');\
cpo.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray={ray}';\
window._cf_chl_opt.cOgUHash = location.hash === '' ? '' : location.hash;\
document.getElementsByTagName('head')[0].appendChild(cpo);}}());</script>
<div class="footer" role="contentinfo"><div class="footer-inner"><div class="clearfix diagnostic-wrapper">\
<div class="ray-id">Ray ID: <code>{ray}</code></div></div>\
<div class="text-center" id="footer-text">Performance &amp; security by Cloudflare</div></div></div>
</body></html>
"""


def challenge_reply(host, status=403):
    ray = "8a1f2e3d4c5b6a70"
    body = CHALLENGE_PAGE.format(host=host, ray=ray).encode()
    headers = [
        ("cf-mitigated", "challenge"),
        ("cf-ray", f"{ray}-AMS"),
        ("Cache-Control", "private, max-age=0, no-store, no-cache, "
                          "must-revalidate, post-check=0, pre-check=0"),
        ("Expires", "Thu, 01 Jan 1970 00:00:01 GMT"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("X-Frame-Options", "SAMEORIGIN"),
    ]
    return Reply(status, body, "text/html; charset=UTF-8", headers, "cloudflare")


BIG_HEAD = b"<!DOCTYPE html>\n<html><head><title>Big page</title></head><body>\n"
BIG_TAIL = b"</body></html>\n"
BIG_LINE = b"<p>Lorem ipsum filler for response size limit tests, line after line.</p>\n"


def big_body_chunks(total, block=64 * 1024):
    """Exactly `total` bytes of HTML, in blocks of at most `block` bytes."""
    middle = total - len(BIG_HEAD) - len(BIG_TAIL)
    if middle < 0:
        yield (BIG_HEAD + BIG_TAIL)[:total]
        return
    yield BIG_HEAD
    pattern = BIG_LINE * (block // len(BIG_LINE) + 1)
    while middle > 0:
        n = min(middle, block)
        yield pattern[:n]
        middle -= n
    yield BIG_TAIL


# ------------------------------------------------------- content coding

def accepted_codings(accept_encoding):
    """Codings the client accepts (q > 0), lower case; '*' means gzip."""
    accepted = set()
    for item in accept_encoding.split(","):
        name, *params = [p.strip() for p in item.split(";")]
        q = 1.0
        for p in params:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if name and q > 0:
            accepted.add(name.lower())
    if "*" in accepted:
        accepted |= {"gzip", "deflate"}
    return accepted


def negotiate(mode, accept_encoding):
    """The Content-Encoding to use under --compress MODE."""
    accepted = accepted_codings(accept_encoding)
    order = {"auto": ("gzip", "deflate"), "gzip": ("gzip",),
             "deflate": ("deflate",), "none": ()}[mode]
    return next((c for c in order if c in accepted), "identity")


def compressor(encoding):
    """A zlib compressobj for gzip or deflate (zlib-wrapped, RFC 1950)."""
    wbits = 31 if encoding == "gzip" else 15
    return zlib.compressobj(6, zlib.DEFLATED, wbits)


def encode(body, encoding):
    if encoding == "identity":
        return body
    c = compressor(encoding)
    return c.compress(body) + c.flush()


def is_compressible(content_type):
    return content_type.startswith(COMPRESSIBLE)


# ------------------------------------------------- BaT "Show More" REST

BAT_REST_PATH = "/bringatrailer.com/wp-json/bringatrailer/1.0/data/listings-filter"
BAT_REST_MAX_PER_PAGE = 48
BAT_REST_DEFAULT_PER_PAGE = 24


class BatRestError(Exception):
    pass


def wp_json(status, payload):
    """A JSON reply the way WordPress writes it (slashes escaped)."""
    body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/")
    return Reply(status, body.encode(), "application/json; charset=UTF-8")


def wp_error(status, code, message, **data):
    return wp_json(status, {"code": code, "message": message,
                            "data": dict({"status": status}, **data)})


class BatRest:
    """BaT's listings-filter endpoint over the items of --bat-rest files
    (shaped like tests/fixtures/bat-rest.json: "nonce", "items" with a
    "member_id" each).  See the module docstring for what it checks."""

    def __init__(self, filenames=()):
        self.nonces = set()
        self.items = []
        for filename in filenames:
            try:
                with open(filename, encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError) as e:
                raise BatRestError(f"--bat-rest {filename}: {e}") from e
            if not isinstance(data, dict) or not isinstance(data.get("nonce"), str) \
                    or not isinstance(data.get("items"), list):
                raise BatRestError(f"--bat-rest {filename}: expected an object with "
                                   "\"nonce\" and \"items\"")
            for item in data["items"]:
                if not isinstance(item, dict) or "member_id" not in item:
                    raise BatRestError(f"--bat-rest {filename}: every item needs a member_id")
            self.nonces.add(data["nonce"])
            self.items.extend(data["items"])
        # "sort": "td" -- the newest end first; ties keep the file order
        self.items.sort(key=lambda it: -int(it.get("timestamp_end") or 0))

    def __bool__(self):
        return bool(self.nonces)

    @staticmethod
    def handles(target):
        return split_target(target)[0].rstrip("/") == BAT_REST_PATH

    @staticmethod
    def read_params(body, content_type):
        """(params, filtered): the request's parameters, and whether its
        base_filter counts (JSON bodies only; BaT ignores a top-level or
        form-encoded filter and answers every listing)."""
        text = body.decode("utf-8", "replace")
        if "json" in content_type.lower() or text.lstrip().startswith("{"):
            try:
                params = json.loads(text)
            except ValueError:
                raise BatRestError("rest_invalid_json")
            if not isinstance(params, dict):
                raise BatRestError("rest_invalid_json")
            return params, True
        pairs = parse_qsl(text, keep_blank_values=True)
        return {k: v for k, v in pairs if "[" not in k}, False

    @staticmethod
    def int_param(params, name, default):
        value = params.get(name, default)
        if isinstance(value, bool):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    def reply(self, method, headers, body):
        if method != "POST":
            return wp_error(404, "rest_no_route",
                            "No route was found matching the URL and request method.")
        if headers.get("X-WP-Nonce", "") not in self.nonces:
            return wp_error(403, "rest_cookie_invalid_nonce", "Cookie check failed")
        try:
            params, filtered = self.read_params(body, headers.get("Content-Type", ""))
        except BatRestError:
            return wp_error(400, "rest_invalid_json", "Invalid JSON body passed.")
        page = self.int_param(params, "page", 1)
        per_page = self.int_param(params, "per_page", BAT_REST_DEFAULT_PER_PAGE)
        bad = {}
        if page is None or page < 1:
            bad["page"] = "page must be greater than or equal to 1"
        if per_page is None or not 1 <= per_page <= BAT_REST_MAX_PER_PAGE:
            bad["per_page"] = (f"per_page must be between 1 (inclusive) and "
                               f"{BAT_REST_MAX_PER_PAGE} (inclusive)")
        if bad:
            return wp_error(400, "rest_invalid_param",
                            f"Invalid parameter(s): {', '.join(sorted(bad))}", params=bad)
        base = params.get("base_filter") if filtered else None
        member = base.get("member_id") if isinstance(base, dict) else None
        if member is None:
            items = self.items                      # the unfiltered "firehose"
        else:
            items = [it for it in self.items if str(it["member_id"]) == str(member)]
        total = len(items)
        chosen = items[(page - 1) * per_page:page * per_page]
        return wp_json(200, {
            "items": [{k: v for k, v in it.items() if k != "member_id"} for it in chosen],
            "items_total": total,
            "items_per_page": per_page,
            "page_current": page,
            "pages_total": -(-total // per_page),
            "is_default_keyword_filter": False,
        })


# ---------------------------------------------------------- request log

class RequestLog:
    """Appends one JSON object per request to a file, flushed at once."""

    def __init__(self, filename):
        self.file = open(filename, "a", encoding="utf-8") if filename else None
        self.lock = threading.Lock()

    def write(self, entry):
        if not self.file:
            return
        line = json.dumps(entry) + "\n"
        with self.lock:
            self.file.write(line)
            self.file.flush()


# ------------------------------------------------------------- serving

@dataclass
class Plan:
    """How one request is answered: the reply and the way it is sent."""
    reply: Reply = None           # None: drop the connection
    mode: str = "full"            # full | truncate | trickle | big | drop
    delay_s: float = 0.0          # before anything is sent
    encoding: str = "identity"
    wire_body: bytes = b""        # the body after content coding
    big_bytes: int = 0
    chunk_bytes: int = 0
    fault: str = None


def status_reply(spec):
    if "body" in spec:
        return Reply(spec["status"], spec["body"].encode())
    return error_reply(spec["status"], "Injected fault.")


def fault_reply(server, target, host, rule):
    """The reply a fault rule's action gives (before its extra headers)."""
    spec, action = rule.spec, rule.action
    if action is None or (action == "slow" and "status" in spec):
        return status_reply(spec)
    if action == "challenge":
        return challenge_reply(host, spec.get("status", 403))
    if action == "redirect":
        reply = error_reply(spec.get("status", 301), "Moved.")
        reply.headers.append(("Location", spec["location"]))
        return reply
    if action == "big":
        return Reply(200)
    if action == "file":
        return file_reply(server.site.find_file(spec["file"]) or "",
                          spec.get("status", 200))
    return server.site.reply_for(target)      # slow, trickle, truncate


def plan_for(server, target, host, rule):
    """Decide the response to a request, fault rule applied (or None)."""
    if rule is None:
        return Plan(server.site.reply_for(target))
    spec, action = rule.spec, rule.action
    if action == "drop":
        return Plan(mode="drop", fault=rule.name)
    plan = Plan(fault_reply(server, target, host, rule), fault=rule.name)
    plan.reply.headers.extend(spec.get("headers", {}).items())
    plan.mode = action if action in ("truncate", "trickle", "big") else "full"
    plan.delay_s = spec.get("delay_ms", 0) / 1000.0
    plan.big_bytes = spec.get("bytes", 0)
    plan.chunk_bytes = spec.get("chunk_bytes", 0)
    return plan


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, site, faults, log, compress, bat_rest=None):
        super().__init__(address, FixtureHandler)
        self.site = site
        self.bat_rest = bat_rest or BatRest()
        self.faults = faults
        self.log = log
        self.compress = compress
        self.conn_ids = itertools.count(1)

    def handle_error(self, request, client_address):
        print(f"fixture_server: error serving {client_address}:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)


class FixtureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True        # no 40 ms stalls on keep-alive

    def setup(self):
        # SIGTERM/SIGINT go to the main thread, which then stops at once
        # instead of at its next poll.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        super().setup()
        self.conn_id = next(self.server.conn_ids)

    def handle(self):
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            self.close_connection = True      # the client went away

    def version_string(self):
        return "carvest-fixture/1"

    def log_message(self, format, *args):
        sys.stderr.write(f"fixture_server: {self.address_string()} {format % args}\n")

    def do_GET(self):
        self.serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_GET

    # -- one request

    def serve(self):
        arrived = time.time()
        req_body = self.read_request_body()
        if split_target(self.path)[0] == HEALTH_PATH:
            self.send_plain(200, b"ok\n")
            return
        host = unquote(split_target(self.path)[0]).lstrip("/").partition("/")[0]
        rule = self.server.faults.take(self.command, self.path)
        if rule is None and self.server.bat_rest and BatRest.handles(self.path):
            plan = Plan(self.server.bat_rest.reply(self.command, self.headers, req_body))
        else:
            plan = plan_for(self.server, self.path, host, rule)
        self.apply_coding(plan, rule)
        self.log_request_entry(arrived, host, plan, req_body)
        self.deliver(plan)

    def read_request_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True      # not supported: do not reuse
            return b""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b""
        return self.rfile.read(length) if length > 0 else b""

    def apply_coding(self, plan, rule):
        """Choose the Content-Encoding and encode the body of `plan`."""
        if plan.reply is None:
            return
        forced = rule.spec.get("encoding") if rule else None
        if forced:
            plan.encoding = forced
        elif plan.mode != "big" and is_compressible(plan.reply.content_type) \
                and plan.reply.body:
            plan.encoding = negotiate(self.server.compress,
                                      self.headers.get("Accept-Encoding", ""))
        if plan.mode != "big":
            plan.wire_body = encode(plan.reply.body, plan.encoding)

    def log_request_entry(self, arrived, host, plan, req_body):
        if self.command == "HEAD" or plan.reply is None:
            sent = 0
        elif plan.mode == "big":
            sent = plan.big_bytes
        elif plan.mode == "truncate":
            sent = len(plan.wire_body) // 2
        else:
            sent = len(plan.wire_body)
        entry = {
            "t": round(arrived, 3), "method": self.command, "path": self.path,
            "host": host, "status": plan.reply.status if plan.reply else 0,
            "bytes": sent, "ua": self.headers.get("User-Agent", ""),
            "accept_encoding": self.headers.get("Accept-Encoding", ""),
            "encoding": plan.encoding, "fault": plan.fault, "conn": self.conn_id,
        }
        if req_body:
            entry["req_body"] = req_body[:REQ_BODY_LOG_LIMIT].decode("utf-8", "replace")
        self.server.log.write(entry)

    # -- sending

    def deliver(self, plan):
        if plan.delay_s and plan.mode != "trickle":
            time.sleep(plan.delay_s)
        if plan.mode == "drop":
            self.close_connection = True
            return
        self.send_head(plan)
        if self.command == "HEAD":
            return
        if plan.mode == "full":
            self.wfile.write(plan.wire_body)
        elif plan.mode == "truncate":
            self.wfile.write(plan.wire_body[:len(plan.wire_body) // 2])
            self.close_connection = True
        elif plan.mode == "trickle":
            self.trickle(plan.wire_body, plan.delay_s, plan.chunk_bytes)
        elif plan.mode == "big":
            self.send_chunked(big_body_chunks(plan.big_bytes), plan.encoding)

    def send_head(self, plan):
        reply = plan.reply
        overridden = {name.lower() for name, _ in reply.headers}
        self.send_response_only(reply.status)
        if "server" not in overridden:
            self.send_header("Server", reply.server or self.version_string())
        self.send_header("Date", self.date_time_string())
        if "content-type" not in overridden:
            self.send_header("Content-Type", reply.content_type)
        if plan.encoding != "identity":
            self.send_header("Content-Encoding", plan.encoding)
        self.send_header("Vary", "Accept-Encoding")
        if plan.mode == "big":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(plan.wire_body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()

    def send_plain(self, status, body):
        self.send_response_only(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def trickle(self, body, total_s, chunk_bytes):
        size = chunk_bytes or max(1, math.ceil(len(body) / 10))
        pieces = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
        pause = total_s / len(pieces)
        for piece in pieces:
            time.sleep(pause)
            self.wfile.write(piece)

    def send_chunked(self, blocks, encoding):
        coder = compressor(encoding) if encoding != "identity" else None
        for block in blocks:
            self.write_chunk(coder.compress(block) if coder else block)
        if coder:
            self.write_chunk(coder.flush())
        self.wfile.write(b"0\r\n\r\n")

    def write_chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


# ----------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Serve carvest fixture sites, with faults on demand.")
    p.add_argument("--root", required=True, action="append",
                   help="fixture tree: ROOT/HOST/PATH (repeatable: the first "
                        "root that has the file serves it)")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--log", help="append one JSON line per request here")
    p.add_argument("--faults", help="JSON list of fault rules")
    p.add_argument("--portfile", help="write the port number here")
    p.add_argument("--slash-redirect", action="append", default=[], metavar="HOST",
                   help="301 folder URLs without a trailing slash for HOST")
    p.add_argument("--real-scheme", default="https", choices=("http", "https"))
    p.add_argument("--compress", default="auto",
                   choices=("auto", "gzip", "deflate", "none"))
    p.add_argument("--bat-rest", action="append", default=[], metavar="FILE",
                   help="emulate BaT's listings-filter endpoint over FILE's items "
                        "(repeatable: items merged)")
    return p.parse_args(argv)


def write_portfile(filename, port):
    tmp = f"{filename}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(tmp, filename)


def stop(signum, frame):
    raise SystemExit(0)


def main(argv=None):
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    args = parse_args(argv)
    for root in args.root:
        if not os.path.isdir(root):
            print(f"fixture_server: --root {root}: not a directory", file=sys.stderr)
            return 2
    site = Site(args.root, args.slash_redirect, args.real_scheme)
    try:
        faults = FaultBook.load(args.faults, site) if args.faults else FaultBook()
        bat_rest = BatRest(args.bat_rest)
        log = RequestLog(args.log)
        server = FixtureServer((args.bind, args.port), site, faults, log, args.compress,
                               bat_rest)
    except (FaultError, BatRestError, OSError) as e:
        print(f"fixture_server: {e}", file=sys.stderr)
        return 2
    port = server.server_address[1]
    if args.portfile:
        write_portfile(args.portfile, port)
    print(f"PORT {port}", flush=True)
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
