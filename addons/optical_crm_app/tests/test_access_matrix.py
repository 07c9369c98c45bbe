from odoo.tests import tagged

from odoo.addons.optical_crm.tests.access_matrix import AccessMatrixCase, ModelSpec


def _device(case, shop):
    return case.env["optical.app.device"].create({
        "name": "Phone", "partner_id": case.customer("App %s" % shop.name, shop=shop).id,
        "company_id": shop.id, "api_key_hash": "hash-%s-%s" % (shop.id, case.env["optical.app.device"].search_count([]))})


def _message(case, shop):
    return case.env["optical.app.message"].create({
        "partner_id": case.customer("Chat %s" % shop.name, shop=shop).id, "company_id": shop.id,
        "title": "Hello", "body": "Private words"})


def _push(case, shop):
    device = _device(case, shop)
    message = case.env["optical.app.message"].create({
        "partner_id": device.partner_id.id, "company_id": shop.id, "title": "Hello"})
    return case.env["optical.app.push"].create({
        "message_id": message.id, "device_id": device.id, "company_id": shop.id})


def _report_row(case, shop):
    communication = case.env["optical.crm.communication"].create({
        "partner_id": case.customer("Report %s" % shop.name, shop=shop).id, "company_id": shop.id,
        "channel": "app", "scheduled_date": "2026-03-02", "source": "manual", "purpose": "service",
        "body": "Hello"})
    communication._mark_sent()
    case.env.flush_all()
    return case.env["optical.app.report"].search([("communication_id", "=", communication.id)])


@tagged("post_install", "-at_install", "optical_crm_app", "optical_access")
class TestAccessMatrixApp(AccessMatrixCase):
    MODULE = "optical_crm_app"
    EXEMPT = {
        # Wrong pairing codes by network address: no customer, no shop; owners only (the ACL).
        "optical.app.pairing.attempt": "not bound to a shop",
    }
    MATRIX = {
        # Devices are paired by the customer's app, messages written by the app and the sender.
        "optical.app.device": ModelSpec(
            make=_device, rights={"assistant": "r", "owner": "rd"}, write={"name": "changed"}),
        "optical.app.message": ModelSpec(
            make=_message, rights={"assistant": "r", "owner": "rd"}, write={"body": "changed"}),
        "optical.app.push": ModelSpec(make=_push, rights={"owner": "r"}),
        "optical.app.report": ModelSpec(make=_report_row, rights={"owner": "r"}, shop_field=None),
    }
