from odoo import api, models
from odoo.exceptions import AccessError


class OpticalCrmShopMixin(models.AbstractModel):
    """A record that belongs to a shop (its ``company_id``; empty: every shop).

    Record rules look at a record before it is written, not at the shop
    written into it: after every create and write made by a user, each
    record's shop must be one of the user's, and a record of every shop
    (empty shop) is created or changed only by a user of every shop. The
    Settings administrator and the product's own writes (superuser) are not
    limited. Every shop-bound model of every module inherits it."""

    _name = "optical.crm.shop.mixin"
    _description = "Record of a shop"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._check_user_shop()
        return records

    def write(self, vals):
        res = super().write(vals)
        self._check_user_shop()
        return res

    def _check_user_shop(self):
        if not self or self.env.su or self.env.user.has_group("base.group_system"):
            return
        user_shops = self.env.user.company_ids
        # Reading the shops written, whoever may read them now.
        records = self.sudo()
        foreign = records.filtered(lambda r: r.company_id and r.company_id not in user_shops)
        every_shop = records.filtered(lambda r: not r.company_id)
        if not foreign and (not every_shop or not self.env["res.company"].sudo().search_count(
                [("id", "not in", user_shops.ids)], limit=1)):
            return
        _ = self.env._
        what = self.env["ir.model"]._get(self._name).name
        if foreign:
            record = foreign[0]
            raise AccessError(_(
                "Shop: %(what)s “%(record)s” cannot belong to %(shop)s, a shop you do not work for.",
                what=what, record=record.display_name, shop=record.company_id.name))
        raise AccessError(_(
            "Shop: %(what)s “%(record)s” would be used by every shop, and you do not work for every shop; "
            "choose one of your shops.",
            what=what, record=every_shop[0].display_name))
