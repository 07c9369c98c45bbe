#!/usr/bin/env python3
"""Crash-and-concurrency harness: SMS sent exactly once, none lost.

Against a real Odoo server process on loopback (it receives the gateway's
delivery reports) and the project's local HTTP gateway
(``optical_crm_sms/tests/gateway_server.py``), every run queues SMS, starts
two sending processes at once (Odoo's SMS queue, ``sms.sms._process_queue``,
committing per gateway session as the cron does), kills one of them with
SIGKILL at a random moment — the gateway answers slowly, so most kills fall
between a gateway call and its commit — and starts another in its place
until the queue is empty. The gateway posts a delivery report for every SMS
it accepts, right away, while the sending session still holds its rows.

At the end it prints, over all runs:

- sent: SMS the gateway accepted (distinct references);
- delivered: communications marked delivered (*Done*) in Odoo;
- duplicates by reference: a reference posted again that no kill left with
  an unknown outcome — must be 0. Each post of a reference by a process that
  was then killed allows one re-post (the contract allows it, with the same
  reference), counted apart; which process made a post, the gateway stand-in
  reads from a header the harness's workers add. No clock decides it: a post
  made just before a kill on a loaded machine is never dated after it;
- duplicates by communication: a communication that got two references;
- lost: communications never accepted by the gateway, failed or cancelled.

    python3 bench/reliability_sms.py [--runs 20] [--sms 30] [--db reliability_bench] [--port 8071]
                                     [--budget 600] [--keep] [--reuse]

``--budget`` (seconds) stops starting new runs when exceeded; the number of
runs done is printed. Exit status 0 when duplicates and lost are 0.
"""
import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from sms_harness import ROOT, load_gateway_server, psql

API_KEY = "reliability-gateway-key"
WORKER_HEADER = "X-Reliability-Worker"


def database_exists(db):
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "odoo", "-d", "postgres", "-tAc",
                          "SELECT 1 FROM pg_database WHERE datname = '%s'" % db], capture_output=True, text=True)
    return out.stdout.strip() == "1"


def install(db, port, modules):
    psql("DROP DATABASE IF EXISTS %s" % db)
    subprocess.run([str(ROOT / "scripts" / "odoo"), "-d", db, "-i", modules, "--without-demo=all",
                    "--stop-after-init", "--http-port=%s" % port, "--log-level=warn"], check=True)


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


class DeliveryReports:
    """The gateway's side of delivery reports: every accepted SMS is reported
    delivered to Odoo at once, from a few threads, retried until Odoo says 2xx."""

    def __init__(self, port):
        self.url = "http://127.0.0.1:%s/optical_crm_sms/v1/status" % port
        self.queue = collections.deque()
        self.event = threading.Event()
        self.failed = []
        self.done = 0
        self.stop = False
        self.threads = [threading.Thread(target=self._run, daemon=True) for _n in range(3)]
        for thread in self.threads:
            thread.start()

    def accept(self, body):
        self.queue.append(body["reference"])
        self.event.set()

    def _post(self, reference):
        data = json.dumps({"reference": reference, "status": "delivered"}).encode()
        for attempt in range(20):
            request = urllib.request.Request(self.url, data=data, headers={
                "Content-Type": "application/json", "Authorization": "Bearer %s" % API_KEY})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    if 200 <= response.status < 300:
                        return True
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    # Not committed yet (the session is still open): as a gateway, try again.
                    pass
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(min(0.1 * 2 ** attempt, 2))
        return False

    def _run(self):
        while not self.stop:
            try:
                reference = self.queue.popleft()
            except IndexError:
                self.event.wait(0.2)
                self.event.clear()
                continue
            if self._post(reference):
                self.done += 1
            else:
                self.failed.append(reference)

    def drain(self, timeout=120):
        deadline = time.time() + timeout
        while self.queue and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1)


def worker(db):
    """A sending process: Odoo's SMS queue until nothing is due, committing
    per gateway session (as the cron does outside tests)."""
    import odoo
    from odoo import api, fields
    from odoo.modules.registry import Registry

    # The parent's database connections are not ours: never use (nor close) them.
    odoo.sql_db._Pool = None
    registry = Registry(db)
    # Every post says which process made it (for the gateway stand-in's count of duplicates).
    from odoo.addons.optical_crm_sms.tools import sms_gateway
    headers = sms_gateway.bearer_header
    sms_gateway.bearer_header = lambda key: dict(headers(key), **{WORKER_HEADER: str(os.getpid())})
    registry._db = odoo.sql_db.db_connect(db)
    idle = 0
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        Sms = env["sms.sms"]
        while idle < 20:
            env.invalidate_all()
            domain = [("state", "=", "outgoing"), ("to_delete", "!=", True)]
            if "optical_next_attempt" in Sms._fields:  # (absent from versions before the retry across runs)
                domain += ["|", ("optical_next_attempt", "=", False),
                           ("optical_next_attempt", "<=", fields.Datetime.now())]
            due = Sms.search_count(domain)
            cr.commit()  # a fresh snapshot for each session
            if not due:
                break
            before = Sms.search_count([("state", "!=", "outgoing")])
            Sms._process_queue()
            cr.commit()
            idle = idle + 1 if Sms.search_count([("state", "!=", "outgoing")]) == before else 0
            if idle:
                time.sleep(0.05)  # the other worker holds what is left
    os._exit(0)


def poster(headers):
    """The pid of the worker that made a post, from its headers."""
    value = {name.lower(): value for name, value in headers.items()}.get(WORKER_HEADER.lower())
    return int(value) if value else None


def spawn(db):
    pid = os.fork()
    if pid == 0:
        try:
            worker(db)
        finally:
            os._exit(1)
    return pid


def populate(env, partners, gateway_url, session_size):
    params = env["ir.config_parameter"]
    for key, value in {
        "optical_crm_sms.provider": "http",
        "optical_crm_sms.gateway_url": gateway_url,
        "optical_crm_sms.gateway_api_key": API_KEY,
        "optical_crm_sms.gateway_timeout": "5",
        "optical_crm_sms.gateway_batch_size": str(session_size),
        "optical_crm_sms.gateway_workers": "1",
        "sms.session.batch.size": str(session_size),
    }.items():
        params.set_param(key, value)
    shop = env["res.company"].create({
        "name": "Ottica Reliability %s" % time.strftime("%Y%m%d %H%M%S"), "country_id": env.ref("base.it").id,
        "optical_send_calendar_id": False,
        "optical_sms_sender": "OtticaRel",
    })
    cycle = env["optical.crm.cycle"].create({
        "name": "Reliability", "event_type": "optometry", "company_id": shop.id,
        "step_ids": [(0, 0, {"name": "SMS", "channel": "sms", "purpose": "service", "interval_number": 0,
                             "interval_unit": "days", "body": "Ciao {{ object.first_name }}!"})],
    })
    customers = env["res.partner"].create([{
        "name": "Cliente %s" % n, "mobile": "+39 347 %07d" % n, "company_id": shop.id,
        "optical_consent_sms": True, "optical_consent_marketing": True,
    } for n in range(partners)])
    env.cr.commit()
    return shop, cycle, customers


def queue_run(env, shop, cycle, customers):
    """Plan one SMS per customer and hand them to Odoo's SMS queue."""
    today = shop._optical_today()
    events = env["optical.crm.event"].create([{
        "partner_id": customer.id, "company_id": shop.id, "event_type": "optometry", "event_date": today,
    } for customer in customers])
    env.flush_all()
    # What the planner may have planned from these events is set aside: the run's SMS are created below.
    env.cr.execute("UPDATE optical_crm_communication SET state = 'cancelled' WHERE company_id = %s "
                   "AND state = 'planned'", [shop.id])
    env.invalidate_all()
    communications = env["optical.crm.communication"].create([{
        "partner_id": event.partner_id.id, "company_id": shop.id, "channel": "sms", "purpose": "service",
        "scheduled_date": today, "source": "cycle", "cycle_id": cycle.id, "cycle_step_id": cycle.step_ids.id,
        "event_id": event.id,
    } for event in events])
    env["optical.crm.communication"]._cron_send_communications()
    env.cr.commit()
    return communications.ids


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs, each with one worker killed")
    parser.add_argument("--sms", type=int, default=30, help="SMS queued per run")
    parser.add_argument("--session", type=int, default=5, help="SMS per gateway session (commit)")
    parser.add_argument("--delay", type=float, default=0.05, help="seconds the gateway takes per SMS")
    parser.add_argument("--budget", type=float, default=600, help="seconds: no new run starts after")
    parser.add_argument("--db", default="reliability_bench")
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="reuse the database when it exists")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    if not (args.reuse and database_exists(args.db)):
        install(args.db, args.port, "optical_crm_sms")
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(ROOT / "odoo.conf"), "--addons-path=%s" % (ROOT / "addons"),
                                    "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    LocalSmsGateway = load_gateway_server()
    server = start_server(args.db, args.port)
    reports = DeliveryReports(args.port)
    kills = []     # (time, pid of the killed worker, references queued after its death)
    started = time.time()
    runs_done = 0
    try:
        with LocalSmsGateway(API_KEY) as gateway:
            gateway.delay = args.delay

            # A worker killed in the middle of a request resets its connection: not an error here.
            gateway.server.handle_error = lambda request, client_address: None

            gateway.on_accept = reports.accept
            with registry.cursor() as cr:
                env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
                shop, cycle, customers = populate(env, args.sms * args.runs, gateway.url, args.session)
                all_ids = []
                for run in range(args.runs):
                    if time.time() - started > args.budget:
                        break
                    run_customers = customers[run * args.sms:(run + 1) * args.sms]
                    all_ids += queue_run(env, shop, cycle, run_customers)
                    cr.commit()
                    # Two workers at once; one is killed at a random moment.
                    expected = args.sms * args.delay / 2 + 0.3
                    workers = [spawn(args.db), spawn(args.db)]
                    time.sleep(rng.uniform(0.1, expected))
                    victim = rng.choice(workers)
                    try:
                        os.kill(victim, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    os.waitpid(victim, 0)
                    killed_at = time.time()  # dead for sure: it posts nothing after this
                    workers.remove(victim)
                    # Give PostgreSQL the moment to end the dead session, then see what it left.
                    time.sleep(0.3)
                    env.invalidate_all()
                    cr.execute("SELECT uuid FROM sms_sms WHERE state = 'outgoing' AND optical_communication_id "
                               "= ANY(%s)", [all_ids])
                    outgoing = {row[0] for row in cr.fetchall()}
                    cr.commit()
                    kills.append((killed_at, victim, outgoing))
                    workers.append(spawn(args.db))
                    for pid in workers:
                        os.waitpid(pid, 0)
                    # Whatever is still due (both finished before the queue emptied) goes now.
                    while True:
                        cr.execute("SELECT count(*) FROM sms_sms WHERE state = 'outgoing' "
                                   "AND optical_communication_id = ANY(%s)", [all_ids])
                        left = cr.fetchone()[0]
                        cr.commit()
                        if not left:
                            break
                        os.waitpid(spawn(args.db), 0)
                    runs_done += 1
                reports.drain()
                env.invalidate_all()
                cr.execute("""SELECT c.id, c.state, c.sms_reference, count(s.id)
                                FROM optical_crm_communication c
                                LEFT JOIN sms_sms s ON s.optical_communication_id = c.id
                               WHERE c.id = ANY(%s) GROUP BY c.id""", [all_ids])
                rows = cr.fetchall()
                cr.execute("SELECT state, count(*) FROM sms_sms WHERE optical_communication_id = ANY(%s) "
                           "GROUP BY state", [all_ids])
                sms_states = dict(cr.fetchall())
            posts = collections.defaultdict(list)  # reference -> (time, pid) of each post the gateway accepted
            for moment, body, headers in gateway.arrivals:
                if body.get("reference") in gateway.delivered:
                    posts[body["reference"]].append((moment - started, poster(headers)))
            delivered_refs = set(gateway.delivered)
    finally:
        reports.stop = True
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        odoo.sql_db.close_all()
        if not args.keep:
            psql("DROP DATABASE IF EXISTS %s" % args.db)

    victims = {pid for _moment, pid, _outgoing in kills}
    reposted_after_kill = duplicates = 0
    for reference, reference_posts in posts.items():
        allowed = sum(1 for _moment, pid in reference_posts if pid in victims)
        again = len(reference_posts) - 1
        reposted_after_kill += min(again, allowed)
        duplicates += max(again - allowed, 0)
        if again > allowed and args.verbose:
            print("duplicate: %s posted (s, pid) %s; kills (s, pid) %s" % (
                reference, sorted(reference_posts),
                [(round(moment - started, 3), pid) for moment, pid, _outgoing in kills]))
    communications = len(rows)
    two_references = sum(1 for _id, _state, _ref, count in rows if count > 1)
    lost = sum(1 for _id, state, reference, _count in rows
               if reference not in delivered_refs or state in ("failed", "cancelled", "planned"))
    done = sum(1 for _id, state, _ref, _count in rows if state == "done")
    print("runs:                               %d (of %d asked), %d SMS each, 2 workers, 1 killed per run"
          % (runs_done, args.runs, args.sms))
    # A kill between a gateway call and its commit left a reference it posted queued.
    left_queued = sum(1 for _moment, pid, outgoing in kills
                      if any(p == pid and reference in outgoing
                             for reference, reference_posts in posts.items() for _m, p in reference_posts))
    print("kills between gateway call and commit: %d of %d" % (left_queued, len(kills)))
    print("communications:                     %d" % communications)
    print("sent (gateway accepted, distinct):  %d" % len(delivered_refs & {row[2] for row in rows}))
    print("delivered (Done in Odoo):           %d   (delivery reports lost: %d)" % (done, len(reports.failed)))
    print("SMS by state:                       %s" % sms_states)
    print("re-posted after a kill (unknown outcome, same reference): %d" % reposted_after_kill)
    print("duplicates by reference:            %d" % duplicates)
    print("duplicates by communication:        %d" % two_references)
    print("lost:                               %d" % lost)
    print("time:                               %.0f s" % (time.time() - started))
    return 0 if not (duplicates or two_references or lost) else 1


if __name__ == "__main__":
    sys.exit(main())
