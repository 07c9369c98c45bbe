from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        self.env["optical.crm.campaign.participation"]._sync_menu_group(users)
        return users

    def write(self, vals):
        res = super().write(vals)
        # A user's shops or groups changed: the Supplier campaigns menu follows.
        if {"company_ids", "groups_id", "share", "active"} & set(vals) or any(
                key.startswith(("in_group_", "sel_groups_")) for key in vals):
            self.env["optical.crm.campaign.participation"]._sync_menu_group(self)
        return res
