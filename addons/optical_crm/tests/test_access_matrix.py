import datetime

from odoo.tests import tagged

from .access_matrix import AccessMatrixCase, ModelSpec

D = datetime.date


def _customer(case, shop, name="Matrix"):
    return case.customer("%s %s" % (name, shop.name), shop=shop)


def _customer_without_company(case, shop):
    partner = case.env["res.partner"].create({"name": "No company %s" % shop.name})
    case.event(partner, "glasses_delivery", D(2026, 2, 1), shop=shop, lens_type="progressive")
    return partner


def _event(case, shop):
    return case.event(_customer(case, shop), "optometry", D(2026, 3, 2), shop=shop)


def _communication(case, shop, **values):
    return case.env["optical.crm.communication"].create({
        "partner_id": _customer(case, shop).id, "company_id": shop.id, "channel": "export",
        "scheduled_date": D(2026, 3, 2), "source": "manual", "purpose": "service", "body": "Hello", **values})


def _cycle(case, shop):
    return case.env["optical.crm.cycle"].create({
        "name": "Matrix %s" % shop.name, "event_type": "optometry", "company_id": shop.id, "active": False})


def _campaign(case, shop):
    return case.env["optical.crm.campaign"].create({
        "name": "Matrix %s" % shop.name, "company_id": shop.id,
        "date_start": D(2026, 3, 1), "date_end": D(2026, 3, 31)})


def _step_values(name):
    return {"name": name, "channel": "export", "purpose": "service", "subject": "Hi", "body": "Hello"}


def _callback(case, shop):
    communication = _communication(case, shop, channel="phone")
    communication._send_phone()
    return communication


def _attempt(case, shop):
    return case.env["optical.crm.callback.attempt"].create({
        "communication_id": _callback(case, shop).id, "user_id": case.env.user.id, "outcome": "no_answer"})


def _analysis_row(case, shop):
    communication = _communication(case, shop)
    case.env.flush_all()
    return case.env["optical.crm.analysis"].search([("communication_id", "=", communication.id)])


def _kpi_row(case, shop):
    event = _event(case, shop)
    case.env.flush_all()
    return case.env["optical.crm.kpi.report"].search([("event_id", "=", event.id)])


def _segment(case, shop):
    return case.env["optical.crm.segment"].create({"name": "Matrix %s" % shop.name, "company_id": shop.id})


def _participation(case, shop):
    offer = case.env["optical.crm.campaign"].create({
        "name": "Offer to %s" % shop.name, "company_id": shop.id, "is_supplier_campaign": True,
        "supplier_id": case.env["res.partner"].create({"name": "Lens maker", "is_company": True}).id,
        "date_start": D(2026, 3, 1), "date_end": D(2026, 3, 31)})
    return case.env["optical.crm.campaign.participation"].create({"offer_id": offer.id, "company_id": shop.id})


@tagged("post_install", "-at_install", "optical_crm", "optical_access")
class TestAccessMatrix(AccessMatrixCase):
    MODULE = "optical_crm"
    EXEMPT = {
        # The same records for every shop (one per event key): read by staff and owners, written by nobody;
        # test_stop_conditions.TestEventTypeRights checks it through JSON-RPC.
        "optical.crm.event.type": "shared reference data, not a shop's",
    }
    MATRIX = {
        # Customers: staff look after their shop's customers (Contact Creation: create, write, delete);
        # a customer of another shop is out of sight and out of reach.
        "res.partner": ModelSpec(
            make=_customer, rights={"assistant": "rwcd", "owner": "rwcd"},
            write={"email": "changed@example.com", "optical_consent_sms": True},
            create=lambda case, shop: {"name": "New customer %s" % shop.name, "company_id": shop.id}),
        # A customer as the Customers menu and FOCUS create them: no company, the shop of their events.
        "res.partner without company": ModelSpec(
            model="res.partner", make=_customer_without_company, rights={"assistant": "rwd", "owner": "rwd"},
            write={"email": "changed@example.com"}, shop_field=None),
        # Filing an event for another shop's customer would take the customer into one's own shop.
        "optical.crm.event for another shop's customer": ModelSpec(
            model="optical.crm.event", make=_event, rights={"assistant": "rc", "owner": "rcd"},
            shop_field=None,
            create=lambda case, shop: {
                "partner_id": _customer_without_company(case, shop).id,
                "event_type": "optometry", "event_date": "2026-03-03", "company_id": case.shop_a.id}),
        "optical.crm.event": ModelSpec(
            make=_event, rights={"assistant": "rwc", "owner": "rwcd"},
            write={"description": "changed"},
            create=lambda case, shop: {
                "partner_id": _customer(case, shop, "New").id, "event_type": "optometry",
                "event_date": "2026-03-03", "company_id": shop.id}),
        "optical.crm.cycle": ModelSpec(
            make=_cycle, rights={"assistant": "r", "owner": "rwcd"}, write={"name": "changed"},
            create=lambda case, shop: {"name": "New", "event_type": "optometry", "company_id": shop.id,
                                       "active": False}),
        "optical.crm.cycle.step": ModelSpec(
            make=lambda case, shop: case.env["optical.crm.cycle.step"].create(dict(
                _step_values("Step"), cycle_id=_cycle(case, shop).id, interval_number=1, interval_unit="days")),
            rights={"assistant": "r", "owner": "rwcd"}, write={"name": "changed"}, shop_field=None,
            create=lambda case, shop: dict(_step_values("New"), cycle_id=_cycle(case, shop).id,
                                           interval_number=1, interval_unit="days")),
        "optical.crm.campaign": ModelSpec(
            make=_campaign, rights={"assistant": "r", "owner": "rwcd"}, write={"name": "changed"},
            create=lambda case, shop: {"name": "New", "company_id": shop.id,
                                       "date_start": "2026-03-01", "date_end": "2026-03-31"}),
        "optical.crm.campaign.step": ModelSpec(
            make=lambda case, shop: case.env["optical.crm.campaign.step"].create(dict(
                _step_values("Step"), campaign_id=_campaign(case, shop).id)),
            rights={"assistant": "r", "owner": "rwcd"}, write={"name": "changed"}, shop_field=None,
            create=lambda case, shop: dict(_step_values("New"), campaign_id=_campaign(case, shop).id)),
        # The ledger: written by the product; staff and owners act through its actions.
        "optical.crm.communication": ModelSpec(
            make=_communication, rights={"assistant": "r", "owner": "r"},
            write={"body": "changed"},
            create=lambda case, shop: {
                "partner_id": _customer(case, shop, "New").id, "company_id": shop.id, "channel": "export",
                "scheduled_date": "2026-03-03", "purpose": "service", "body": "Hi"}),
        # A callback: its activity is reached through the shop's own call only.
        "mail.activity": ModelSpec(
            make=lambda case, shop: _callback(case, shop).activity_id,
            rights={"assistant": "rwd", "owner": "rwd"}, write={"date_deadline": "2026-04-01"}, shop_field=None),
        "optical.crm.callback.attempt": ModelSpec(
            make=_attempt, rights={"assistant": "r", "owner": "rd"}, write={"note": "changed"}, shop_field=None),
        "optical.crm.segment": ModelSpec(
            make=_segment, rights={"assistant": "r", "owner": "rwcd"}, write={"name": "changed"},
            create=lambda case, shop: {"name": "New", "company_id": shop.id}),
        "optical.crm.campaign.participation": ModelSpec(
            make=_participation, rights={"assistant": "r", "owner": "r"}),
        # The planner's and sender's last run per shop: written by the crons, read by owners.
        "optical.crm.run": ModelSpec(
            make=lambda case, shop: case.env["optical.crm.run"].create({"company_id": shop.id, "job": "planner"}),
            rights={"owner": "r"}, write={"error": "changed"}),
        "optical.crm.analysis": ModelSpec(make=_analysis_row, rights={"assistant": "r", "owner": "r"},
                                          shop_field=None),
        "optical.crm.kpi.report": ModelSpec(make=_kpi_row, rights={"assistant": "r", "owner": "r"},
                                            shop_field=None),
        # A step's alternative channels follow its step's shop.
        "optical.crm.step.fallback": ModelSpec(
            make=lambda case, shop: case.env["optical.crm.step.fallback"].create({
                "campaign_step_id": case.env["optical.crm.campaign.step"].create(dict(
                    _step_values("Step"), campaign_id=_campaign(case, shop).id)).id, "channel": "phone"}),
            rights={"assistant": "r", "owner": "rwcd"}, write={"sequence": 5}, shop_field=None,
            create=lambda case, shop: {
                "campaign_step_id": case.env["optical.crm.campaign.step"].create(dict(
                    _step_values("New"), campaign_id=_campaign(case, shop).id)).id, "channel": "phone"}),
    }
