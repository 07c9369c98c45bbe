"""A real local push service for the tests: ``http.server`` in a thread on
127.0.0.1, port 0. It records what it delivered, deduplicates by the
``Idempotency-Key`` header like a real service would, and can be told to
fail the next requests. Needs no Odoo, so the plain tests use it too."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class PushServer:
    def __init__(self, api_key="push-secret"):
        self.api_key = api_key
        self.requests = []  # every request received: (idempotency key, payload)
        self.delivered = {}  # idempotency key → payload, once per key
        self.fail_next = []  # statuses to answer to the next requests (0: hang past the timeout)
        self.lock = threading.Lock()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with server.lock:
                    key = self.headers.get("Idempotency-Key")
                    try:
                        payload = json.loads(raw or b"{}")
                    except ValueError:
                        payload = None
                    server.requests.append((key, payload))
                    status = server.fail_next.pop(0) if server.fail_next else None
                if status == 0:
                    server.release.wait(5)
                    return
                if self.headers.get("Authorization") != "Bearer %s" % server.api_key:
                    status = 401
                elif payload is None or not key:
                    status = 400
                if status is None:
                    with server.lock:
                        server.delivered.setdefault(key, payload)
                    self._answer(200, {"id": key})
                else:
                    self._answer(status, {"error": "status %s" % status})

            def _answer(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%s/push" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
