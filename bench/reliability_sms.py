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
import collections
import json
import os
import sys
import time

from sms_harness import (
    Notifier,
    events_today,
    fixtures,
    harness_arguments,
    kill_one,
    load_gateway_server,
    prepare,
    set_params,
    spawn,
    stop,
    worker_env,
)

API_KEY = "reliability-gateway-key"
WORKER_HEADER = "X-Reliability-Worker"


class DeliveryReports(Notifier):
    """The gateway's side of delivery reports: every accepted SMS is reported
    delivered to Odoo at once, retried until Odoo says 2xx."""

    def __init__(self, port):
        self.url = "http://127.0.0.1:%s/optical_crm_sms/v1/status" % port
        super().__init__()

    def accept(self, body):
        self.push(body["reference"])

    def deliver(self, reference):
        return self.post(self.url, json.dumps({"reference": reference, "status": "delivered"}).encode(),
                         {"Authorization": "Bearer %s" % API_KEY})


def worker(db):
    """A sending process: Odoo's SMS queue until nothing is due, committing
    per gateway session (as the cron does outside tests)."""
    from odoo import fields

    # Every post says which process made it (for the gateway stand-in's count of duplicates).
    from odoo.addons.optical_crm_sms.tools import sms_gateway
    headers = sms_gateway.bearer_header
    sms_gateway.bearer_header = lambda key: dict(headers(key), **{WORKER_HEADER: str(os.getpid())})
    idle = 0
    with worker_env(db) as env:
        cr = env.cr
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


def populate(env, partners, gateway_url, session_size):
    set_params(env, {
        "optical_crm_sms.provider": "http",
        "optical_crm_sms.gateway_url": gateway_url,
        "optical_crm_sms.gateway_api_key": API_KEY,
        "optical_crm_sms.gateway_timeout": "5",
        "optical_crm_sms.gateway_batch_size": str(session_size),
        "optical_crm_sms.gateway_workers": "1",
        "sms.session.batch.size": str(session_size),
    })
    return fixtures(env, {"name": "Ottica Reliability %s" % time.strftime("%Y%m%d %H%M%S"),
                          "optical_sms_sender": "OtticaRel"},
                    {"name": "SMS", "channel": "sms", "body": "Ciao {{ object.first_name }}!"},
                    "optical_consent_sms", partners)


def queue_run(env, shop, cycle, customers):
    """Plan one SMS per customer and hand them to Odoo's SMS queue."""
    today, events = events_today(env, shop, customers)
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
    parser = harness_arguments(__doc__.splitlines()[0], "reliability_bench", 8071,
                               "seconds the gateway takes per SMS")
    parser.add_argument("--sms", type=int, default=30, help="SMS queued per run")
    parser.add_argument("--session", type=int, default=5, help="SMS per gateway session (commit)")
    parser.add_argument("--budget", type=float, default=600, help="seconds: no new run starts after")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    registry, server, rng = prepare(args, "optical_crm_sms")
    import odoo
    from odoo import api

    LocalSmsGateway = load_gateway_server()
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
                    survivor, killed_at, _killed, victim = kill_one(worker, args.db, rng, args.sms * args.delay / 2 + 0.3)
                    # Give PostgreSQL the moment to end the dead session, then see what it left.
                    time.sleep(0.3)
                    env.invalidate_all()
                    cr.execute("SELECT uuid FROM sms_sms WHERE state = 'outgoing' AND optical_communication_id "
                               "= ANY(%s)", [all_ids])
                    outgoing = {row[0] for row in cr.fetchall()}
                    cr.commit()
                    kills.append((killed_at, victim, outgoing))
                    for pid in (survivor, spawn(worker, args.db)):
                        os.waitpid(pid, 0)
                    # Whatever is still due (both finished before the queue emptied) goes now.
                    while True:
                        cr.execute("SELECT count(*) FROM sms_sms WHERE state = 'outgoing' "
                                   "AND optical_communication_id = ANY(%s)", [all_ids])
                        left = cr.fetchone()[0]
                        cr.commit()
                        if not left:
                            break
                        os.waitpid(spawn(worker, args.db), 0)
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
        stop(server, reports, args.db, args.keep)

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
