"""A car maker's submission endpoint on loopback, for the OEM channel tests: a real HTTP server
(``ThreadingHTTPServer`` on 127.0.0.1, a free port) that reads the multipart POST, records each
request and answers with a receipt per ``Idempotency-Key`` — the same key always gets the same
receipt and is counted as one submission, however often it comes.

Modes: ``accept``; ``fail`` (answers ``fail_status``, 500 by default, to the next
``failures`` requests, then accepts); ``slow`` (takes the submission but answers only after
``delay`` seconds — longer than the client waits); ``reject`` (400); ``conflict`` (409 with the
receipt of a key it has, as a car maker that has the submission already)."""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict[str, str]
    fields: dict[str, str]
    files: dict[str, tuple[str, bytes, str]]  # form field -> (file name, content, type)
    status: int = 0


@dataclass
class FakeOem:
    mode: str = "accept"
    failures: int = 0
    fail_status: int = 500
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    receipts: dict[str, str] = field(default_factory=dict)  # key -> receipt: the submissions
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def submissions(self) -> int:
        """How many distinct submissions the car maker holds."""
        return len(self.receipts)

    def take(self, key: str) -> str:
        with self.lock:
            if key not in self.receipts:
                self.receipts[key] = f"OEM-R{next(self._numbers):05d}"
            return self.receipts[key]

    def answer(self, received: Received) -> tuple[int, dict]:
        key = received.headers.get("idempotency-key", "")
        with self.lock:
            mode = self.mode
            if mode == "fail" and self.failures > 0:
                self.failures -= 1
                return self.fail_status, {"error": "internal error"}
        if mode == "reject":
            return 400, {"error": "the report code is unknown to us"}
        if mode == "conflict":
            return 409, {"error": "already submitted", "receipt": self.take(key)}
        if mode == "slow":
            time.sleep(self.delay)
        return 200, {"receipt": self.take(key)}


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict, dict]:
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
    )
    fields, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if part.get_filename():
            files[name] = (part.get_filename(), payload, part.get_content_type())
        else:
            fields[name] = payload.decode()
    return fields, files


def start(oem: FakeOem) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            fields, files = _parse_multipart(self.headers.get("Content-Type", ""), body)
            received = Received(
                headers={k.lower(): v for k, v in self.headers.items()},
                fields=fields,
                files=files,
            )
            with oem.lock:
                oem.requests.append(received)
            status, data = oem.answer(received)
            received.status = status
            payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client stopped waiting (the timeout test)
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    oem.url = f"http://127.0.0.1:{server.server_address[1]}/dms/submissions"
    return server
