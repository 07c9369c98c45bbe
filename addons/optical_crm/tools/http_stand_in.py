"""What the local stand-ins of outside HTTP services share (the SMS gateway,
Meta's Cloud API), which the tests and the benches start on 127.0.0.1.
Plain Python (no Odoo): the benches and the plain tests load it too.

A stand-in subclasses :class:`LocalStandIn` with its handler (a
:class:`JsonHandler` with its ``do_POST``…) and is used as a context manager.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    """Keep-alive JSON requests and answers; ``self.server.stand_in`` is the :class:`LocalStandIn`."""

    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without TCP_NODELAY, Nagle's algorithm
    # and the client's delayed ACK stall each answer ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def read_json(self):
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def answer(self, status, payload, headers=()):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def hang_up(self):
        """Answer too late: wait until the stand-in stops (3 s at most), then close without an answer."""
        self.server.stand_in.release.wait(3)
        self.close_connection = True


class LocalStandIn:
    """A stand-in on 127.0.0.1 (port chosen by the system), ``handler``
    serving from threads. ``plan[reference]``: one action per attempt of a
    reference (``"ok"`` once the plan is used up); ``requests``: what every
    call sent; ``delay``: seconds every answer waits; ``on_accept``: called
    by the stand-in for every message it accepts."""

    handler = JsonHandler
    path = ""

    def __init__(self):
        self.requests = []
        self.plan = {}
        self.delay = 0
        self.on_accept = None
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.server.stand_in = self
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%s%s" % (self.server.server_port, self.path)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def record(self, request, reference):
        """Keep ``request``; returns the next planned action for ``reference``."""
        with self.lock:
            self.requests.append(request)
            actions = self.plan.get(reference) or []
            return actions.pop(0) if actions else "ok"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
