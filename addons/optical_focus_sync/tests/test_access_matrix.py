from odoo.tests import tagged

from odoo.addons.optical_crm.tests.access_matrix import AccessMatrixCase, ModelSpec


def _store(case, shop):
    return case.env["optical.focus.store"].create({
        "name": "FOCUS %s" % shop.name, "code": "MX%s%s" % (shop.id, case.env["optical.focus.store"].search_count([])),
        "company_id": shop.id})


def _store_with_token(case, shop):
    store = _store(case, shop)
    store.generate_token()
    return store


def _record(case, shop):
    return case.env["optical.focus.record"].create({
        "store_id": _store(case, shop).id, "record_type": "cliente", "focus_id": "C-%s" % shop.id,
        "updated_at": "2026-03-01 10:00:00", "payload": {"cognome": "Rossi"}})


@tagged("post_install", "-at_install", "optical_focus_sync", "optical_access")
class TestAccessMatrixFocus(AccessMatrixCase):
    MODULE = "optical_focus_sync"
    MATRIX = {
        "optical.focus.store": ModelSpec(
            make=_store_with_token, rights={"assistant": "r", "owner": "rwcd"}, write={"name": "changed"},
            create=lambda case, shop: {"name": "New", "code": "NEW%s" % shop.id, "company_id": shop.id}),
        # Records arrive from FOCUS; their shop is their store's.
        "optical.focus.record": ModelSpec(
            make=_record, rights={"assistant": "r", "owner": "rwcd"}, write={"error_message": "changed"},
            shop_field=None,
            create=lambda case, shop: {
                "store_id": _store(case, shop).id, "record_type": "cliente", "focus_id": "N-%s" % shop.id,
                "updated_at": "2026-03-01 10:00:00"}),
    }
