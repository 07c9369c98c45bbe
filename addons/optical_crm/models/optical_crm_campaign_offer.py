from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

# What a supplier sets on its offer and every joined shop's campaign follows.
OFFER_SYNCED_FIELDS = ("name", "date_start", "date_end", "description", "supplier_id", "is_supplier_campaign",
                       "priority")
# What a shop may adapt when the supplier allows it.
OFFER_TARGET_FIELDS = ("partner_domain", "segment_ids", "segment_match")
OFFER_SENDER_FIELDS = ("sender_name",)


class OpticalCrmCampaignOffer(models.Model):
    """A supplier campaign offered to many shops.

    The supplier's campaign (the *offer*: ``offer_company_ids`` set) holds the
    supplier, dates, steps, texts, landing page or app promotion and cover. It
    is never planned itself: each shop it is offered to gets a participation
    (``optical.crm.campaign.participation``) and joins or declines. Joining
    copies the offer into a campaign of the shop (``offer_id``), planned and
    sent as the shop's own; the shop adapts only what the supplier allows (its
    target, its sender name); the supplier's changes to the offer's texts,
    dates and steps reach the joined shops."""

    _inherit = "optical.crm.campaign"

    offer_company_ids = fields.Many2many(
        "res.company", "optical_crm_campaign_offer_company_rel", "campaign_id", "company_id", "Offered to shops",
        copy=False, help="The shops this supplier campaign is offered to; each one joins or declines.")
    is_offer = fields.Boolean("Supplier offer to shops", compute="_compute_is_offer", store=True, index=True)
    offer_allow_target = fields.Boolean(
        "Shops choose their target", default=True,
        help="A joined shop may change the segments and filter of its campaign; otherwise the supplier's target "
        "applies to each shop's customers.")
    offer_allow_sender_name = fields.Boolean(
        "Shops choose their sender name", default=True,
        help="A joined shop may change the sender name of its e-mails.")
    offer_id = fields.Many2one(
        "optical.crm.campaign", "Supplier offer", readonly=True, copy=False, index="btree_not_null",
        ondelete="set null", help="The supplier's campaign this shop joined.")
    participation_ids = fields.One2many("optical.crm.campaign.participation", "offer_id", "Shops")
    offer_joined_count = fields.Integer("Shops joined", compute="_compute_offer_counts")
    offer_declined_count = fields.Integer("Shops declined", compute="_compute_offer_counts")
    offer_pending_count = fields.Integer("Shops to answer", compute="_compute_offer_counts")

    @api.depends("offer_company_ids")
    def _compute_is_offer(self):
        for campaign in self:
            campaign.is_offer = bool(campaign.offer_company_ids)

    @api.depends("participation_ids.state")
    def _compute_offer_counts(self):
        for campaign in self:
            states = campaign.participation_ids.mapped("state")
            campaign.offer_joined_count = states.count("joined")
            campaign.offer_declined_count = states.count("declined")
            campaign.offer_pending_count = states.count("offered")

    @api.constrains("offer_company_ids", "is_supplier_campaign", "offer_id")
    def _check_offer(self):
        for campaign in self.filtered("offer_company_ids"):
            if not campaign.is_supplier_campaign:
                raise ValidationError(self.env._(
                    "Offered to shops: only a supplier campaign is offered to shops (%(name)s).", name=campaign.name))
            if campaign.offer_id:
                raise ValidationError(self.env._(
                    "Offered to shops: a shop's campaign cannot be offered again (%(name)s).", name=campaign.name))

    # ------------------------------------------------------------------
    # What a joined shop may change
    # ------------------------------------------------------------------

    @api.model
    def _offer_synced_fields(self):
        """Fields the supplier sets for every joined shop; modules add theirs
        (the app's cover and detail page)."""
        return list(OFFER_SYNCED_FIELDS)

    def _offer_locked_fields(self):
        """Fields a joined shop's campaign may not change."""
        self.ensure_one()
        offer = self.offer_id.sudo()
        locked = set(self._offer_synced_fields()) | {"step_ids", "company_id", "offer_id", "offer_company_ids"}
        if not offer.offer_allow_target:
            locked.update(OFFER_TARGET_FIELDS)
        if not offer.offer_allow_sender_name:
            locked.update(OFFER_SENDER_FIELDS)
        return locked

    def _check_offer_write(self, field_names):
        if self.env.context.get("optical_offer_sync"):
            return
        for campaign in self.filtered("offer_id"):
            refused = sorted(set(field_names) & campaign._offer_locked_fields())
            if refused:
                label = self._fields[refused[0]]._description_string(self.env)
                raise UserError(self.env._(
                    "%(field)s: set by %(supplier)s for the supplier campaign %(name)s; the shop may change only "
                    "what the supplier allows.",
                    field=label, supplier=campaign.sudo().supplier_id.display_name, name=campaign.name))

    def write(self, vals):
        self._check_offer_write(vals)
        res = super().write(vals)
        offers = self.filtered("is_offer")
        if offers:
            offers._offer_sync_joined(vals)
            if "offer_company_ids" in vals:
                offers.filtered(lambda o: o.state not in ("draft", "cancelled"))._offer_sync_participations()
        return res

    def _offer_sync_joined(self, vals):
        """The supplier changed its offer: the joined shops' campaigns follow
        (texts, dates; the target and sender when shops may not choose them)."""
        for offer in self:
            synced = set(offer._offer_synced_fields())
            if not offer.offer_allow_target:
                synced.update(OFFER_TARGET_FIELDS)
            if not offer.offer_allow_sender_name:
                synced.update(OFFER_SENDER_FIELDS)
            names = [name for name in vals if name in synced]
            joined = offer._offer_joined_campaigns()
            if names and joined:
                values = offer._convert_to_write({name: offer[name] for name in names})
                joined.with_context(optical_offer_sync=True).write(values)

    def _offer_joined_campaigns(self):
        """The joined shops' campaigns still going, whichever shops the
        supplier's manager may open."""
        return self.sudo().participation_ids.campaign_id.filtered(lambda c: c.state not in ("done", "cancelled"))

    def _offer_sync_steps(self):
        """Joined shops' campaigns (``self``) get their offer's steps: a step
        the supplier added is added (and planned by the planner's next run), a
        changed one (day, channel, purpose, texts, ...) changes (its pending
        contacts follow: ``optical.crm.campaign.step._move_pending``). A step
        removed goes with the supplier's (``optical.crm.campaign.step.unlink``)."""
        names = self._offer_step_synced_fields()
        for campaign in self.sudo().with_context(optical_offer_sync=True).filtered("offer_id"):
            offer = campaign.offer_id
            # The dates first (the offer wrote them before its steps): a step moved within new dates fits.
            campaign._offer_sync_dates()
            followed = {step.offer_step_id: step for step in campaign.step_ids if step.offer_step_id}
            for step in offer.step_ids:
                own = followed.get(step)
                if not own:
                    step.copy({"campaign_id": campaign.id, "offer_step_id": step.id})
                    continue
                self._offer_sync_step(own, step, names)

    @api.model
    def _offer_step_synced_fields(self):
        """The step fields a joined shop's step takes from the offer's: those
        a copy keeps, but the campaign, the link and the alternative channels."""
        Step = self.env["optical.crm.campaign.step"]
        return [name for name, field in Step._fields.items()
                if field.store and field.copy and not field.compute and name not in models.MAGIC_COLUMNS
                and name not in ("campaign_id", "offer_step_id", "fallback_ids")]

    def _offer_sync_dates(self):
        """A joined shop's campaign (``self``) takes its offer's dates."""
        self.ensure_one()
        offer = self.offer_id
        dates = {name: offer[name] for name in ("date_start", "date_end") if self[name] != offer[name]}
        if dates:
            self.write(offer._convert_to_write(dates))

    @api.model
    def _offer_sync_step(self, own, step, names):
        """The shop's step ``own`` takes the fields ``names`` and the
        alternative channels of the offer's ``step`` where they differ."""
        changed = [name for name in names if own[name] != step[name]]
        if changed:
            own.write(step._convert_to_write({name: step[name] for name in changed}))
        # The alternative channels: the shop's own lines, the same channels in the same order.
        if own.fallback_ids.mapped("channel") != step.fallback_ids.mapped("channel"):
            own.write({"fallback_ids": [Command.clear()] + [
                Command.create({"channel": line.channel, "sequence": line.sequence})
                for line in step.fallback_ids]})

    # ------------------------------------------------------------------
    # The supplier's side: offer, cancel
    # ------------------------------------------------------------------

    def _offer_sync_participations(self):
        """One participation per shop the offer is offered to; a shop removed
        before answering loses it."""
        Participation = self.env["optical.crm.campaign.participation"].sudo()
        # Who may edit the offer (checked by its write) manages its participations.
        for offer in self.sudo():
            current = offer.participation_ids
            Participation.create([
                {"offer_id": offer.id, "company_id": company.id}
                for company in offer.offer_company_ids - current.company_id
            ])
            shops = offer.offer_company_ids
            current.filtered(lambda p, shops=shops: p.state == "offered" and p.company_id not in shops).unlink()
        Participation._sync_menu_group()

    def action_schedule(self):
        offers = self.filtered("is_offer")
        res = super().action_schedule()
        offers._offer_sync_participations()
        return res

    def action_cancel(self):
        res = super().action_cancel()
        offers = self.filtered("is_offer")
        if offers:
            # The supplier withdrew its campaign: the shops' campaigns stop too.
            joined = offers.sudo().participation_ids.campaign_id.filtered(lambda c: c.state != "cancelled")
            joined.sudo().with_context(optical_offer_sync=True).action_cancel()
            self.env["optical.crm.campaign.participation"]._sync_menu_group()
        return res

    def action_draft(self):
        res = super().action_draft()
        if self.filtered("is_offer"):
            self.env["optical.crm.campaign.participation"]._sync_menu_group()
        return res

    def action_view_participations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "optical_crm.optical_crm_campaign_participation_action")
        action["domain"] = [("offer_id", "=", self.id)]
        action["context"] = {"group_by": "state"}
        return action

    # ------------------------------------------------------------------
    # Results: the supplier's figures are the sum of the joined shops'
    # ------------------------------------------------------------------

    @api.depends_context("uid")
    def _compute_results(self):
        offers = self.filtered("is_offer")
        super(OpticalCrmCampaignOffer, self - offers)._compute_results()
        if not offers:
            return
        Analysis = self.env["optical.crm.analysis"]
        # The supplier sees its totals across shops, whatever shops the reader may open.
        offers._assign_results(Analysis.sudo()._figures_by([("offer_id", "in", offers.ids)], "offer_id"))

    def action_view_results(self):
        action = super().action_view_results()
        if self.is_offer:
            action["domain"] = [("offer_id", "=", self.id)]
            action["context"]["pivot_row_groupby"] = ["company_id"]
        return action
