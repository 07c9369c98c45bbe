"""Links in the e-mails the shop sends: unsubscribe and open tracking.

Each link carries an HMAC token of its communication (as Odoo's mass mailing
links do); a wrong token or an unknown communication answers 404, never 500."""
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from ..models.optical_crm_communication_email import TRACKING_PIXEL

PUBLIC_HEADERS = [("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
                  ("X-Robots-Tag", "noindex, nofollow")]


class OpticalCrmEmailController(http.Controller):

    @staticmethod
    def _communication(communication_id, token):
        communication = request.env["optical.crm.communication"].sudo().browse(communication_id).exists()
        if not communication or communication.channel != "email" or not communication._email_check_token(token):
            raise NotFound()
        return communication

    # No CSRF token: the token in the URL authenticates, and the mail client's
    # one-click POST comes without any session (as Odoo's mass mailing one-click).
    @http.route("/optical_crm/email/<int:communication_id>/<string:token>/unsubscribe", type="http",
                auth="public", methods=["GET", "POST"], csrf=False, website=False, save_session=False)
    def unsubscribe(self, communication_id, token, confirm=None, **_kwargs):
        """GET (the link in the e-mail, which mail security scanners open
        too) asks the customer to confirm, and changes nothing. POST
        unsubscribes: the button of that page (``confirm``), which shows the
        result, or the mail client's one-click unsubscribe (RFC 8058,
        ``List-Unsubscribe=One-Click``), answered with an empty 200."""
        communication = self._communication(communication_id, token)
        lang = communication.partner_id._optical_lang()
        values = {
            "company": communication.company_id,
            "email": communication.partner_id.email,
            "page_lang": lang.replace("_", "-"),
        }
        if request.httprequest.method == "POST":
            communication.with_context(lang=lang)._email_unsubscribe()
            if not confirm:
                return request.make_response("", status=200)
            template = "optical_crm.email_unsubscribed"
        else:
            template, values["action"] = "optical_crm.email_unsubscribe_confirm", request.httprequest.path
        request.update_context(lang=lang)
        return request.render(template, values, headers=PUBLIC_HEADERS)

    @http.route("/optical_crm/email/<int:communication_id>/<string:token>/open.gif", type="http",
                auth="public", methods=["GET"], csrf=False)
    def track_open(self, communication_id, token, **_kwargs):
        self._communication(communication_id, token)._email_opened()
        return request.make_response(TRACKING_PIXEL, headers=[
            ("Content-Type", "image/gif"), ("Cache-Control", "no-store")])
