from odoo.tests import tagged

from odoo.addons.optical_crm.tests.access_matrix import AccessMatrixCase, ModelSpec


def _page(case, shop):
    return case.env["optical.crm.landing.page"].create({"name": "Page %s" % shop.name, "company_id": shop.id})


def _inbound(case, shop):
    return case.env["optical.crm.sms.inbound"].create({
        "number": "+39333000%04d" % shop.id, "text": "Grazie", "company_id": shop.id})


@tagged("post_install", "-at_install", "optical_crm_sms", "optical_access")
class TestAccessMatrixSms(AccessMatrixCase):
    MODULE = "optical_crm_sms"
    MATRIX = {
        "optical.crm.landing.page": ModelSpec(
            make=_page, rights={"assistant": "r", "owner": "rwcd"}, write={"name": "changed"},
            create=lambda case, shop: {"name": "New", "company_id": shop.id}),
        # Inbound SMS are written by the gateway's callback only.
        "optical.crm.sms.inbound": ModelSpec(
            make=_inbound, rights={"assistant": "r", "owner": "rd"}, write={"text": "changed"}),
    }
