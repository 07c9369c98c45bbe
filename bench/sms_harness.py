"""What the benches share: a module's local test server loaded without Odoo
(the SMS benchmark, the crash-and-concurrency harnesses, the scale-out bench); the local
HTTP gateway stand-in of the SMS module's tests (in this process, or in a
process of its own); psql on the maintenance database (creating and
dropping scratch databases); and what the crash-and-concurrency harnesses of
SMS and WhatsApp share: the scratch database and its Odoo server process,
the worker processes (one is killed at random), and the outside service's
reports posted back to Odoo (:class:`Notifier`)."""
import argparse
import collections
import contextlib
import importlib.util
import os
import pathlib
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

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


def set_params(env, values):
    """System parameters, ``{key: value}``."""
    params = env["ir.config_parameter"]
    for key, value in values.items():
        params.set_param(key, value)


# ----------------------------------------------------------------------
# The crash-and-concurrency harnesses
# ----------------------------------------------------------------------


def harness_arguments(description, db, port, delay_help):
    """The options both harnesses take; each adds its own."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=20, help="runs, each with one worker killed")
    parser.add_argument("--delay", type=float, default=0.05, help=delay_help)
    parser.add_argument("--db", default=db)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="reuse the database when it exists")
    return parser


def prepare(args, modules):
    """The scratch database (installed unless reused), its registry and its
    Odoo server process, and the run's random generator."""
    if not (args.reuse and database_exists(args.db)):
        install(args.db, args.port, modules)
    registry = open_registry(args.db)
    return registry, start_server(args.db, args.port), random.Random(args.seed)


def kill_one(worker, db, rng, expected):
    """Two workers at once; one is killed with SIGKILL at a random moment
    within ``expected`` seconds. Returns the other one's pid, when the
    killed one was dead for sure (it posts nothing after), whether it was
    killed (False: it had already finished) and its pid."""
    workers = [spawn(worker, db), spawn(worker, db)]
    time.sleep(rng.uniform(0.1, expected))
    victim = rng.choice(workers)
    try:
        os.kill(victim, signal.SIGKILL)
        killed = True
    except ProcessLookupError:
        killed = False
    os.waitpid(victim, 0)
    workers.remove(victim)
    return workers[0], time.time(), killed, victim


def database_exists(db):
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "odoo", "-d", "postgres", "-tAc",
                          "SELECT 1 FROM pg_database WHERE datname = '%s'" % db], capture_output=True, text=True)
    return out.stdout.strip() == "1"


def install(db, port, modules):
    psql("DROP DATABASE IF EXISTS %s" % db)
    subprocess.run([str(ROOT / "scripts" / "odoo"), "-d", db, "-i", modules, "--without-demo=all",
                    "--stop-after-init", "--http-port=%s" % port, "--log-level=warn"], check=True)


def open_registry(db):
    """Odoo configured with the repository's add-ons, and the registry of ``db``."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(ROOT / "odoo.conf"), "--addons-path=%s" % (ROOT / "addons"),
                                    "-d", db, "--log-level=warn"])
    return Registry(db)


def start_server(db, port):
    """A real Odoo server process (threaded, no cron) for the database."""
    log = open("/tmp/%s_server.log" % db, "w")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "odoo"), "-d", db, "--db-filter", "^%s$" % db, "--http-port=%s" % port,
         "--max-cron-threads=0", "--workers=0", "--log-level=warn", "--http-interface=127.0.0.1"],
        stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen("http://127.0.0.1:%s/web/health" % port, timeout=2)
            return process
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the Odoo server did not start, see /tmp/%s_server.log" % db)


def stop(server, notifier, db, keep):
    """The end of a harness run: the notifier's threads, the server, the connections, the database."""
    import odoo

    notifier.stop = True
    server.send_signal(2)  # SIGINT: Odoo's graceful stop
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
    odoo.sql_db.close_all()
    if not keep:
        psql("DROP DATABASE IF EXISTS %s" % db)


@contextlib.contextmanager
def worker_env(db):
    """In a forked worker: a superuser environment on a cursor of its own."""
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    # The parent's database connections are not ours: never use (nor close) them.
    odoo.sql_db._Pool = None
    registry = Registry(db)
    registry._db = odoo.sql_db.db_connect(db)
    with registry.cursor() as cr:
        yield api.Environment(cr, odoo.SUPERUSER_ID, {})


def spawn(worker, db):
    """``worker(db)`` in a forked process; returns its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            worker(db)
        finally:
            os._exit(1)
    return pid


def fixtures(env, shop_values, step_values, consent, partners):
    """A shop, its cycle of one step on the event's day (``step_values``, or
    a function of the shop returning them), and ``partners`` customers with
    a mobile number, marketing consent and ``consent``; committed."""
    shop = env["res.company"].create(dict({
        "country_id": env.ref("base.it").id, "optical_send_calendar_id": False}, **shop_values))
    if callable(step_values):
        step_values = step_values(shop)
    cycle = env["optical.crm.cycle"].create({
        "name": "Reliability", "event_type": "optometry", "company_id": shop.id,
        "step_ids": [(0, 0, dict({"purpose": "service", "interval_number": 0, "interval_unit": "days"},
                                 **step_values))],
    })
    customers = env["res.partner"].create([{
        "name": "Cliente %s" % n, "mobile": "+39 347 %07d" % n, "company_id": shop.id,
        consent: True, "optical_consent_marketing": True,
    } for n in range(partners)])
    env.cr.commit()
    return shop, cycle, customers


def events_today(env, shop, customers):
    """An eye exam today for each of ``customers``."""
    today = shop._optical_today()
    return today, env["optical.crm.event"].create([{
        "partner_id": customer.id, "company_id": shop.id, "event_type": "optometry", "event_date": today,
    } for customer in customers])


class Notifier:
    """The outside service's side of its reports: every item queued
    (``push``) is delivered by ``deliver(item)`` (a subclass's: it returns
    whether every report of the item was taken) from a few threads.
    ``post(url, data, headers)`` posts one report, retried until Odoo says 2xx."""

    def __init__(self, threads=3):
        self.queue = collections.deque()
        self.event = threading.Event()
        self.failed = []
        self.done = 0
        self.stop = False
        self.pending = 0  # items pushed and not delivered yet
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _n in range(threads)]
        for thread in self.threads:
            thread.start()

    def push(self, item):
        with self.lock:
            self.pending += 1
        self.queue.append(item)
        self.event.set()

    def deliver(self, item):
        raise NotImplementedError

    @staticmethod
    def post(url, data, headers):
        for attempt in range(20):
            request = urllib.request.Request(url, data=data, headers=dict(headers, **{
                "Content-Type": "application/json"}))
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    if 200 <= response.status < 300:
                        return True
            except (urllib.error.URLError, ConnectionError, OSError):
                # A 404 too: not committed yet (the session is still open): as the service, try again.
                pass
            time.sleep(min(0.1 * 2 ** attempt, 2))
        return False

    def _run(self):
        while not self.stop:
            try:
                item = self.queue.popleft()
            except IndexError:
                self.event.wait(0.2)
                self.event.clear()
                continue
            if self.deliver(item):
                self.done += 1
            else:
                self.failed.append(item)
            with self.lock:
                self.pending -= 1

    def drain(self, timeout=120):
        deadline = time.time() + timeout
        while self.pending and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1)


if __name__ == "__main__" and sys.argv[1:2] == ["gateway"]:
    _serve_gateway(sys.argv[2])
