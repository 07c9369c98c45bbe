from markupsafe import escape
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.optical_crm.tools.http_api import text_problem


class OpticalFocusOpen(http.Controller):
    """A link FOCUS 10 / FOCUS WEB opens with its own customer id: after
    login, the customer's card in Odoo."""

    @http.route("/optical_focus_sync/open/<string:store_code>/<string:focus_id>", type="http", auth="user",
                methods=["GET"], readonly=True)
    def open_customer(self, store_code, focus_id, **_kw):
        env = request.env
        # What the database cannot hold (a NUL) matches no customer: the same answer as an unknown one.
        searchable = not (text_problem(store_code) or text_problem(focus_id))
        Record = env["optical.focus.record"]
        # Searched as the user, in their shops only: another shop's FOCUS id takes exactly the work of an
        # unknown one (nothing of it is read), so the answer's time tells nothing either.
        binding = searchable and Record.has_access("read") and Record.search([
            ("company_id", "in", env.companies.ids), ("store_id.code", "=", store_code),
            ("record_type", "=", "cliente"), ("focus_id", "=", focus_id), ("partner_id", "!=", False),
        ], limit=1)
        partner = binding.partner_id if binding else env["res.partner"]
        # A customer of the user's store whom they may not see is answered like an unknown one.
        if not partner or not partner._filtered_access("read"):
            body = env._("FOCUS customer %(id)s of store %(store)s is not in Odoo yet (or not in your shops).",
                         id=focus_id, store=store_code)
            return request.make_response(
                "<!DOCTYPE html><html><body><p>%s</p><p><a href=\"/odoo/action-%s\">%s</a></p></body></html>" % (
                    escape(body), "optical_crm.res_partner_action_optical_customers", escape(env._("Customers"))),
                headers=[("Content-Type", "text/html; charset=utf-8")], status=NotFound.code)
        return request.redirect(
            "/odoo/action-optical_crm.res_partner_action_optical_customers/%s" % partner.id, local=True)
