import logging
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


class OpticalCrmCampaign(models.Model):
    """A campaign with an ``app`` step is a promotion in the app's
    Promotions menu while it runs: cover image and detail page."""

    _inherit = "optical.crm.campaign"

    app_cover_image = fields.Image("App cover image", max_width=1280, max_height=1280,
                                   help="Shown on the promotion in the app (JPEG or PNG).")
    app_detail = fields.Html("App detail page", translate=True, sanitize=True,
                             help="The promotion's page in the app; the campaign description when empty.")
    is_app_promotion = fields.Boolean("In the app", compute="_compute_is_app_promotion", store=True)

    @api.depends("step_ids.channel")
    def _compute_is_app_promotion(self):
        for campaign in self:
            campaign.is_app_promotion = "app" in campaign.step_ids.mapped("channel")

    @api.model
    def _app_promotion_domain(self, company):
        # A supplier's offer is promoted by the shops that joined it (their own copy), not itself.
        return [("company_id", "=", company.id), ("state", "=", "running"), ("is_app_promotion", "=", True),
                ("is_offer", "=", False)]

    @api.model
    def _offer_synced_fields(self):
        return super()._offer_synced_fields() + ["app_cover_image", "app_detail"]

    def _app_promotions_for(self, partner):
        """The campaigns whose target includes this customer: an offer made to
        a group of customers (progressive lens wearers) is shown only to them."""
        Partner = self.env["res.partner"].with_context(active_test=False)
        Communication = self.env["optical.crm.communication"]
        label = self._fields["partner_domain"].string
        promotions = self.browse()
        for campaign in self:
            try:
                domain = campaign._target_domain() + [("id", "=", partner.id)]
                matches = Communication._try_partner_query(partial(Partner.search_count, domain, limit=1), label)
            except ValidationError as error:
                # A malformed target, or one that no longer runs (the planner reports it on the
                # campaign), hides the campaign, not the others.
                _logger.warning("App promotions: campaign %s skipped: %s", campaign.id, error)
                continue
            if matches:
                promotions |= campaign
        return promotions

    def _to_api(self):
        self.ensure_one()
        cover_url = None
        if self.app_cover_image:
            cover_url = "%s/optical_app/v1/promotions/%s/cover?unique=%s" % (
                self.get_base_url(), self.id, fields.Datetime.to_string(self.write_date).replace(" ", "T"))
        return {
            "id": self.id,
            "title": self.name,
            "date_start": fields.Date.to_string(self.date_start),
            "date_end": fields.Date.to_string(self.date_end),
            "cover_image_url": cover_url,
            "detail_html": str(self.app_detail or self.description or ""),
        }
