from odoo.tests import tagged

from odoo.addons.optical_crm.tests.access_matrix import AccessMatrixCase, ModelSpec


def _account(case, shop):
    count = case.env["optical.crm.whatsapp.account"].search_count([])
    return case.env["optical.crm.whatsapp.account"].create({
        "name": "WhatsApp %s" % shop.name, "company_id": shop.id, "api_url": "http://127.0.0.1:9/v21.0",
        "phone_number_id": "PN-%s-%s" % (shop.id, count), "business_account_id": "WABA-%s" % shop.id,
        "access_token": "secret-token", "app_secret": "secret-app"})


def _account_values(case, shop):
    return {"name": "New", "company_id": shop.id, "phone_number_id": "NEW-%s" % shop.id,
            "business_account_id": "W", "api_url": "http://127.0.0.1:9/v21.0"}


def _template(case, shop):
    return case.env["optical.crm.whatsapp.template"].create({
        "name": "t_%s" % case.env["optical.crm.whatsapp.template"].search_count([]), "language": "it",
        "account_id": _account(case, shop).id})


def _template_values(case, shop):
    account = case.env["optical.crm.whatsapp.account"].search([("company_id", "=", shop.id)], limit=1)
    return {"name": "new_template", "language": "it", "account_id": account.id}


def _button(case, shop):
    return case.env["optical.crm.whatsapp.template.button"].create({
        "template_id": _template(case, shop).id, "button_type": "phone_number", "text": "Call us",
        "phone_number": "+390212345678"})


def _button_values(case, shop):
    template = case.env["optical.crm.whatsapp.template"].search([("company_id", "=", shop.id)], limit=1)
    return {"template_id": (template or _template(case, shop)).id, "button_type": "url", "text": "Open", "url": "https://example.com/l/{{1}}"}


def _message(case, shop):
    return case.env["optical.crm.whatsapp.message"].create({
        "account_id": _account(case, shop).id, "company_id": shop.id, "direction": "in", "number": "+393331112233",
        "partner_id": case.customer("WA %s" % shop.name, shop=shop).id, "body": "Private words"})


@tagged("post_install", "-at_install", "optical_crm_whatsapp", "optical_access")
class TestAccessMatrixWhatsapp(AccessMatrixCase):
    MODULE = "optical_crm_whatsapp"
    MATRIX = {
        # The shop's number and its secrets: owners only (the secrets: administrators only).
        "optical.crm.whatsapp.account": ModelSpec(
            make=_account, rights={"owner": "rwcd"}, write={"name": "changed"}, create=_account_values),
        "optical.crm.whatsapp.template": ModelSpec(
            make=_template, rights={"assistant": "r", "owner": "rwcd"}, write={"body": "changed"},
            create=_template_values, shop_field=None),
        "optical.crm.whatsapp.template.button": ModelSpec(
            make=_button, rights={"assistant": "r", "owner": "rwcd"}, write={"text": "changed"},
            create=_button_values, shop_field=None),
        # Written by Meta's webhook and the reply screen.
        "optical.crm.whatsapp.message": ModelSpec(
            make=_message, rights={"assistant": "r", "owner": "r"}, write={"body": "changed"}),
    }

    def test_secrets_for_administrators_only(self):
        """An owner reads and writes the account, never its secrets."""
        account = _account(self, self.shop_a)
        self.login("owner")
        for field in ("access_token", "app_secret", "verify_token"):
            self.assertRefused("optical.crm.whatsapp.account", "read", [[account.id], [field]], what=field)
            self.assertRefused("optical.crm.whatsapp.account", "write", [[account.id], {field: "mine"}], what=field)
        self.assertEqual(account.sudo().access_token, "secret-token")
