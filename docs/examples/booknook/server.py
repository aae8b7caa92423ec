"""The Book Nook's HTTP service: `python server.py [PORT]` (default 8766).

Each action is `POST /actions/NAME` with the arguments as a JSON object; the answer is a
JSON object, or `{"error": "..."}` with status 400.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any

BOOKS = [
    {"title": "Dune", "author": "Frank Herbert", "price": 45.0},
    {"title": "The Hobbit", "author": "J. R. R. Tolkien", "price": 38.0},
    {"title": "Wolf Hall", "author": "Hilary Mantel", "price": 52.0},
]
_ORDERS = count(1)
_BY_KEY: dict[str, dict[str, Any]] = {}


def _found(title: str) -> list[dict[str, Any]]:
    words = set(title.lower().split()) - {"the", "a", "an"}
    return [b for b in BOOKS if words & set(b["title"].lower().split())]


def find_book(args: dict[str, Any]) -> dict[str, Any]:
    return {"books": _found(str(args.get("title", "")))}


def order_book(args: dict[str, Any], key: str | None) -> dict[str, Any]:
    if key and key in _BY_KEY:  # the same confirmed order, sent again: the same answer
        return _BY_KEY[key]
    found = _found(str(args.get("title", "")))
    if not found:
        raise ValueError("we have no such book")
    book = found[0]
    order = {"order_no": f"BN{next(_ORDERS):04d}", "title": book["title"], "total": book["price"]}
    if key:
        _BY_KEY[key] = order
    return order


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        name = self.path.rsplit("/", 1)[-1]
        length = int(self.headers.get("Content-Length") or 0)
        try:
            args = json.loads(self.rfile.read(length) or b"{}")
            if name == "find_book":
                body, status = find_book(args), 200
            elif name == "order_book":
                body, status = order_book(args, self.headers.get("Idempotency-Key")), 200
            else:
                body, status = {"error": f"no action {name}"}, 404
        except ValueError as exc:
            body, status = {"error": str(exc)}, 400
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


def make_server(port: int = 8766) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


if __name__ == "__main__":
    make_server(int(sys.argv[1]) if len(sys.argv) > 1 else 8766).serve_forever()
