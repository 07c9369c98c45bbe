"""What the benches share: a module's local test server loaded without Odoo
(the SMS benchmark, the crash-and-concurrency harness, the scale-out bench); the local
HTTP gateway stand-in of the SMS module's tests (in this process, or in a
process of its own), and psql on the maintenance database (creating and
dropping scratch databases)."""
import importlib.util
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def load_test_server(module, path, class_name):
    """The class ``class_name`` of a module's local test server (``path``,
    below ``addons/<module>/tests/``), loaded without importing Odoo: the
    stand-ins' base (core's ``tools/http_stand_in.py``) is loaded from its
    file under its full name (Python finds a full module name in
    ``sys.modules`` without importing its parents)."""
    if "odoo.addons.optical_crm.tools.http_stand_in" not in sys.modules:
        sys.modules["odoo.addons.optical_crm.tools.http_stand_in"] = _load_file(
            "bench_http_stand_in", ROOT / "addons" / "optical_crm" / "tools" / "http_stand_in.py")
    return getattr(_load_file("bench_" + class_name, ROOT / "addons" / module / "tests" / path), class_name)


def load_gateway_server():
    """The ``LocalSmsGateway`` class of ``optical_crm_sms/tests/gateway_server.py``."""
    return load_test_server("optical_crm_sms", "gateway_server.py", "LocalSmsGateway")


class GatewayProcess:
    """The same local gateway (threaded, keep-alive) in a Python process of
    its own, as a reseller's gateway is: it answers without taking the GIL
    of the process that sends, so a benchmark measures the sender's HTTP
    path, not the stand-in sharing the sender's interpreter.

    ``counts()`` returns (SMS delivered, one per reference; HTTP requests).
    """

    def __init__(self, api_key):
        self.api_key = api_key
        self.process = None
        self.url = None

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, __file__, "gateway", self.api_key],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url:
            raise RuntimeError("the local gateway process did not start")
        return self

    def counts(self):
        self.process.stdin.write("counts\n")
        self.process.stdin.flush()
        delivered, requests = self.process.stdout.readline().split()
        return int(delivered), int(requests)

    def __exit__(self, *exc):
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _serve_gateway(api_key):
    """The child of :class:`GatewayProcess`: prints its URL, then answers
    ``counts`` on stdin until stdin closes."""
    with load_gateway_server()(api_key) as gateway:
        print(gateway.url, flush=True)
        for line in sys.stdin:
            if line.strip() == "counts":
                with gateway.lock:
                    print(len(gateway.delivered), len(gateway.requests), flush=True)


def psql(sql):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "odoo", "-d", "postgres", "-qc", sql], check=True)


if __name__ == "__main__" and sys.argv[1:2] == ["gateway"]:
    _serve_gateway(sys.argv[2])
