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
- duplicates by reference: a reference posted again although its first
  post had been committed (no kill in between) — must be 0; a reference
  re-posted because a kill left its outcome unknown is counted apart (the
  contract allows it, with the same reference);
- duplicates by communication: a communication that got two references;
- lost: communications never accepted by the gateway, failed or cancelled.

    python3 bench/reliability_sms.py [--runs 20] [--sms 30] [--db reliability_bench] [--port 8071]
                                     [--budget 600] [--keep] [--reuse]

``--budget`` (seconds) stops starting new runs when exceeded; the number of
runs done is printed. Exit status 0 when duplicates and lost are 0.
"""
import collections
import itertools
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
    accepted = []  # (time, reference) of every SMS the gateway accepted
    kills = []     # (time, SMS posted but not committed when it died)
    started = time.time()
    runs_done = 0
    try:
        with LocalSmsGateway(API_KEY) as gateway:
            gateway.delay = args.delay

            # A worker killed in the middle of a request resets its connection: not an error here.
            gateway.server.handle_error = lambda request, client_address: None

            def on_accept(body):
                # When the request arrived (the answer waited ``delay``).
                accepted.append((time.time() - gateway.delay, body["reference"]))
                reports.accept(body)

            gateway.on_accept = on_accept
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
                    survivor, killed_at, _killed = kill_one(worker, args.db, rng, args.sms * args.delay / 2 + 0.3)
                    # Give PostgreSQL the moment to end the dead session, then see what it left.
                    time.sleep(0.3)
                    env.invalidate_all()
                    cr.execute("SELECT uuid FROM sms_sms WHERE state = 'outgoing' AND optical_communication_id "
                               "= ANY(%s)", [all_ids])
                    outgoing = {row[0] for row in cr.fetchall()}
                    cr.commit()
                    kills.append((killed_at, len(outgoing & set(gateway.delivered))))
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
            posts = collections.defaultdict(list)
            for moment, reference in accepted:
                posts[reference].append(moment)
            delivered_refs = set(gateway.delivered)
    finally:
        stop(server, reports, args.db, args.keep)

    kill_times = [moment - started for moment, _left in kills]
    reposted_after_kill = duplicates = 0
    for moments in posts.values():
        moments = [moment - started for moment in moments]
        for first, again in itertools.pairwise(moments):
            if any(first < kill < again for kill in kill_times):
                reposted_after_kill += 1
            else:
                duplicates += 1
                if args.verbose:
                    print("duplicate: posts at", moments, "kills at", kill_times)
    communications = len(rows)
    two_references = sum(1 for _id, _state, _ref, count in rows if count > 1)
    lost = sum(1 for _id, state, reference, _count in rows
               if reference not in delivered_refs or state in ("failed", "cancelled", "planned"))
    done = sum(1 for _id, state, _ref, _count in rows if state == "done")
    print("runs:                               %d (of %d asked), %d SMS each, 2 workers, 1 killed per run"
          % (runs_done, args.runs, args.sms))
    print("kills between gateway call and commit: %d of %d" % (sum(1 for _t, left in kills if left), len(kills)))
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
