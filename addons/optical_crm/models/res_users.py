from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        self.env["optical.crm.campaign.participation"]._sync_menu_group(users)
        users._optical_set_home_action()
        return users

    def write(self, vals):
        res = super().write(vals)
        # A user's shops or groups changed: the Supplier campaigns menu follows.
        if {"company_ids", "groups_id", "share", "active"} & set(vals) or any(
                key.startswith(("in_group_", "sel_groups_")) for key in vals):
            self.env["optical.crm.campaign.participation"]._sync_menu_group(self)
            self._optical_set_home_action()
        return res

    def _optical_set_home_action(self):
        """Shop staff and owners start their day on their call list, unless they chose another home
        action. Settings administrators keep Odoo's home: they set up the whole database."""
        action = self.env.ref("optical_crm.optical_crm_communication_action_callback", raise_if_not_found=False)
        users = self.filtered(lambda user: not user.action_id and not user.share
                              and user.has_group("optical_crm.group_optical_crm_user")
                              and not user.has_group("base.group_system"))
        if action and users:
            # The product's own bookkeeping: the home action of users who have none.
            users.sudo().write({"action_id": action.id})

    @api.model
    def _optical_set_home_action_all(self):
        self.with_context(active_test=False).search([("share", "=", False)])._optical_set_home_action()
