"""Links in the e-mails the shop sends: unsubscribe and open tracking.

Each link carries an HMAC token of its communication (as Odoo's mass mailing
links do); a wrong token or an unknown communication answers 404, never 500."""
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from ..models.optical_crm_communication_email import TRACKING_PIXEL


class OpticalCrmEmailController(http.Controller):

    @staticmethod
    def _communication(communication_id, token):
        communication = request.env["optical.crm.communication"].sudo().browse(communication_id).exists()
        if not communication or communication.channel != "email" or not communication._email_check_token(token):
            raise NotFound()
        return communication

    @http.route("/optical_crm/email/<int:communication_id>/<string:token>/unsubscribe", type="http",
                auth="public", methods=["GET", "POST"], csrf=False, website=False)
    def unsubscribe(self, communication_id, token, **_kwargs):
        """GET: the link in the e-mail; POST: one-click unsubscribe from the
        mail client (List-Unsubscribe-Post). Both blacklist the address."""
        communication = self._communication(communication_id, token)
        communication.with_context(lang=communication.partner_id._optical_lang())._email_unsubscribe()
        if request.httprequest.method == "POST":
            return request.make_response("", status=200)
        return request.render("optical_crm.email_unsubscribed", {
            "company": communication.company_id,
            "email": communication.partner_id.email,
        })

    @http.route("/optical_crm/email/<int:communication_id>/<string:token>/open.gif", type="http",
                auth="public", methods=["GET"], csrf=False)
    def track_open(self, communication_id, token, **_kwargs):
        self._communication(communication_id, token)._email_opened()
        return request.make_response(TRACKING_PIXEL, headers=[
            ("Content-Type", "image/gif"), ("Cache-Control", "no-store")])
