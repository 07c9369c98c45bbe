import secrets

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.optical_crm.tools.http_api import hash_secret


class OpticalFocusStoreActions(models.Model):
    """What the owner does on a FOCUS shop: its token, its records, an import."""

    _inherit = "optical.focus.store"

    # ------------------------------------------------------------------
    # Token
    # ------------------------------------------------------------------

    def generate_token(self):
        """Give the shop a new API token and return it in clear, once: only
        its hash is kept, the previous token stops working."""
        self.ensure_one()
        # Callable over RPC: only who may configure the shop gets a token.
        self.check_access("write")
        token = secrets.token_urlsafe(32)
        self.sudo().write({
            # 256 random bits: a plain SHA-256 is enough, no pepper needed.
            "token_hash": hash_secret(token),
            "has_token": True,
            "token_date": fields.Datetime.now(),
        })
        return token

    def action_generate_token(self):
        """The new token in a dialog with a copy button; closing it reloads
        the store, which then offers to replace the token, not to generate one."""
        self.ensure_one()
        token = self.generate_token()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New FOCUS token for %(store)s", store=self.name),
            "res_model": "optical.focus.token.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_store_id": self.id, "default_token": token},
        }

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _action_records(self, state=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_focus_sync.optical_focus_record_action")
        action["domain"] = [("store_id", "=", self.id)] + ([("state", "=", state)] if state else [])
        action["context"] = {"default_store_id": self.id}
        return action

    def action_view_applied(self):
        return self._action_records("applied")

    def action_view_waiting(self):
        return self._action_records("waiting")

    def action_view_errors(self):
        return self._action_records("error")

    def action_view_warnings(self):
        action = self._action_records("applied")
        action["domain"] += [("has_warnings", "=", True)]
        return action

    def action_import(self):
        self.ensure_one()
        if not self.active:
            raise UserError(self.env._("Store: %s is archived.", self.name))
        return {
            "type": "ir.actions.act_window",
            "res_model": "optical.focus.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_store_id": self.id},
        }
