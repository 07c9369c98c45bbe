#!/usr/bin/env python3
"""Crash-and-concurrency harness: WhatsApp messages posted exactly once, none lost.

WhatsApp's Cloud API de-duplicates nothing, so a message posted twice is two
messages on the customer's phone. Against a real Odoo server process on
loopback (it receives Meta's signed status notifications) and the module's
local stand-in of the Cloud API
(``optical_crm_whatsapp/tests/cloud_api_server.py``, which keeps every post
of every reference), every run queues messages (planner + sender), starts two
posting processes at once (``_cron_whatsapp_post``, committing as the cron
does), kills one of them with SIGKILL at a random moment — the stand-in
answers slowly, so most kills fall between a post and its commit — and starts
another in its place until every message has left. For every message it
accepts, the stand-in posts ``sent`` then ``delivered`` to the webhook, signed
with the app secret, retried until Odoo answers 2xx.

It prints, over all runs:

- posted: messages the stand-in accepted (distinct references);
- duplicates: references the stand-in accepted more than once — must be 0;
- lost: communications never accepted by the stand-in, or failed, cancelled
  or still queued — must be 0;
- delivered: communications *Done* in Odoo.

    python3 bench/reliability_whatsapp.py [--runs 20] [--messages 20] [--db h_whatsapp_bench] [--port 18251]

Exit status 0 when duplicates and lost are 0.
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
    load_test_server,
    prepare,
    set_params,
    spawn,
    stop,
    worker_env,
)

TOKEN = "reliability-whatsapp-token"
SECRET = "reliability-whatsapp-app-secret"
PHONE_NUMBER_ID = "100200300400"
# Seconds an unknown outcome waits for a status before it is posted again.
UNKNOWN_OUTCOME_WAIT = 4


class StatusNotifier(Notifier):
    """Meta's side of the webhook: ``sent`` then ``delivered`` for every
    accepted message, signed, retried until 2xx."""

    def __init__(self, port, sign):
        self.url = "http://127.0.0.1:%s/optical_crm_whatsapp/webhook" % port
        self.sign = sign
        super().__init__()

    def accept(self, body, message_id):
        self.push((body["biz_opaque_callback_data"], message_id, body["to"].lstrip("+")))

    def deliver(self, item):
        return all([self._post_status(*item, state) for state in ("sent", "delivered")])

    def _post_status(self, reference, message_id, recipient, state):
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_NUMBER_ID},
                "statuses": [{"id": message_id, "status": state, "recipient_id": recipient,
                              "timestamp": str(int(time.time())), "biz_opaque_callback_data": reference}]}}]}]}
        raw = json.dumps(payload).encode()
        return self.post(self.url, raw, {"X-Hub-Signature-256": self.sign(raw, SECRET)})


def worker(db):
    """A posting process: the WhatsApp poster until nothing is left to post."""
    with worker_env(db) as env:
        cr = env.cr
        deadline = time.time() + 120
        while time.time() < deadline:
            env.invalidate_all()
            posted = env["optical.crm.communication"]._cron_whatsapp_post()
            cr.commit()
            if posted:
                continue
            cr.execute("SELECT count(*) FROM optical_crm_communication WHERE channel = 'whatsapp' "
                       "AND state = 'sent' AND whatsapp_state IN ('queued', 'posting')")
            left = cr.fetchone()[0]
            cr.commit()
            if not left:
                break
            time.sleep(0.3)  # the other worker holds them, or an unknown outcome waits for its status
    os._exit(0)


def populate(env, partners, api_url):
    set_params(env, {
        "optical_crm_whatsapp.unknown_outcome_wait": str(UNKNOWN_OUTCOME_WAIT),
        "optical_crm_whatsapp.batch_size": "5",
        "optical_crm_whatsapp.api_timeout": "5",
        "optical_crm_whatsapp.api_backoff": "0.1",
    })

    def whatsapp_step(shop):
        account = env["optical.crm.whatsapp.account"].create({
            "name": "Bench", "company_id": shop.id, "api_url": api_url, "phone_number_id": PHONE_NUMBER_ID,
            "business_account_id": "WABA", "access_token": TOKEN, "app_secret": SECRET, "cost_utility": 0.03})
        template = env["optical.crm.whatsapp.template"].create({
            "name": "promemoria", "language": "it", "account_id": account.id, "category": "utility",
            "body": "Ciao {{1}}", "variables": "first_name"})
        template.status = "approved"
        return {"name": "WhatsApp", "channel": "whatsapp", "whatsapp_template_id": template.id}

    return fixtures(env, {"name": "Ottica WhatsApp %s" % time.strftime("%Y%m%d %H%M%S")}, whatsapp_step,
                    "optical_consent_whatsapp", partners)


def queue_run(env, shop, cycle, customers):
    """Plan one message per customer and queue them (the sender)."""
    today, events = events_today(env, shop, customers)
    Communication = env["optical.crm.communication"]
    Communication._plan_company(shop, today, today)
    env.flush_all()
    # The sender's own run, without posting (the workers post).
    env.cr.execute("UPDATE ir_cron SET active = false WHERE id = %s",
                   [env.ref("optical_crm_whatsapp.ir_cron_whatsapp_post").id])
    Communication._cron_send_communications()
    ids = Communication.search([("event_id", "in", events.ids)]).ids
    # A fresh snapshot for what follows (the workers' and the webhook's commits).
    env.cr.commit()
    return ids


def main():
    parser = harness_arguments(__doc__.splitlines()[0], "h_whatsapp_bench", 18251,
                               "seconds the stand-in takes per message")
    parser.add_argument("--messages", type=int, default=20, help="messages queued per run")
    args = parser.parse_args()
    registry, server, rng = prepare(args, "optical_crm_whatsapp")
    import odoo
    from odoo import api

    LocalCloudApi = load_test_server("optical_crm_whatsapp", "cloud_api_server.py", "LocalCloudApi")
    sign = load_test_server("optical_crm_whatsapp", "../tools/whatsapp_api.py", "signature")
    notifier = StatusNotifier(args.port, sign)
    kills = unknown_after_kill = 0
    started = time.time()
    try:
        with LocalCloudApi(TOKEN) as cloud:
            cloud.delay = args.delay
            cloud.server.handle_error = lambda request, client_address: None  # a killed worker resets
            cloud.on_accept = notifier.accept
            with registry.cursor() as cr:
                env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
                shop, cycle, customers = populate(env, args.messages * args.runs, cloud.url)
                all_ids = []
                for run in range(args.runs):
                    all_ids += queue_run(env, shop, cycle, customers[run * args.messages:(run + 1) * args.messages])
                    survivor, _killed_at, killed, _victim = kill_one(worker, args.db, rng, args.messages * args.delay / 2 + 0.3)
                    kills += killed
                    # What the dead worker left with an unknown outcome: posted, not recorded.
                    time.sleep(0.3)
                    cr.execute("SELECT whatsapp_reference FROM optical_crm_communication WHERE id = ANY(%s) "
                               "AND whatsapp_state = 'posting'", [all_ids])
                    left = {row[0] for row in cr.fetchall()}
                    cr.commit()
                    unknown_after_kill += len(left & set(cloud.posts))
                    for pid in (survivor, spawn(worker, args.db)):
                        os.waitpid(pid, 0)
                    print("run %d: %d references posted, %d duplicates so far" % (
                        run + 1, len(cloud.posts), len(cloud.duplicates())), flush=True)
                notifier.drain()
                env.invalidate_all()
                cr.execute("SELECT id, state, whatsapp_state, whatsapp_reference FROM optical_crm_communication "
                           "WHERE id = ANY(%s)", [all_ids])
                rows = cr.fetchall()
            posts = {reference: len(bodies) for reference, bodies in cloud.posts.items()}
    finally:
        stop(server, notifier, args.db, args.keep)

    duplicates = sum(1 for count in posts.values() if count > 1)
    lost = sum(1 for _id, state, _wa_state, reference in rows
               if reference not in posts or state in ("failed", "cancelled", "planned", "skipped"))
    done = sum(1 for _id, state, _wa, _ref in rows if state == "done")
    print("runs:                     %d, %d messages each, 2 posting workers, 1 killed per run (%d kills)"
          % (args.runs, args.messages, kills))
    print("posted, then killed before the commit (outcome unknown): %d" % unknown_after_kill)
    print("communications:           %d" % len(rows))
    print("posted (distinct refs):   %d" % len({ref for _i, _s, _w, ref in rows} & set(posts)))
    print("delivered (Done in Odoo): %d   (status posts lost: %d)" % (done, len(notifier.failed)))
    print("WhatsApp states:          %s" % dict(collections.Counter(row[2] for row in rows)))
    print("duplicates at the stand-in: %d" % duplicates)
    print("lost:                     %d" % lost)
    print("time:                     %.0f s" % (time.time() - started))
    return 0 if not (duplicates or lost) else 1


if __name__ == "__main__":
    sys.exit(main())
