from babel.dates import get_day_names
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.misc import babel_locale_parse

from ..tools.landing import (
    LANDING_PLACEHOLDERS,
    is_button_url,
    render_landing_html,
    unknown_placeholders,
    video_embed,
)


class OpticalCrmLandingPage(models.Model):
    """The web page an SMS with link opens: public, reached only through the
    personal token of one communication, showing the customer's first name
    and nothing else about them."""

    _name = "optical.crm.landing.page"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "Landing page"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", "Shop", index=True, default=lambda self: self.env.company,
        help="Empty: every shop can use this page.",
    )
    title = fields.Char(
        translate=True,
        help="Heading of the page. Placeholders: {{ object.first_name }}, {{ object.company_id.name }}.",
    )
    image = fields.Image("Cover image", max_width=1920, max_height=1920)
    body = fields.Html(
        "Content", translate=True, sanitize_overridable=True,
        help="Text, images and links. Placeholders: {{ object.first_name }} (the customer's first name) and "
        "{{ object.company_id.name }} (the shop); no other customer data can be shown.",
    )
    video_url = fields.Char(
        "Video", help="A YouTube or Vimeo link, or the address of a video file (mp4, webm).",
    )
    button_label = fields.Char("Button", translate=True, help="e.g. Book your eye exam")
    button_url = fields.Char("Button link")
    validity_days = fields.Integer(
        "Valid for (days)", default=30, help="The personal link stops working this many days after the SMS is sent.",
    )
    # The placeholder picker of the texts offers what the page can show.
    render_model = fields.Char("Rendering model", compute="_compute_render_model")
    communication_ids = fields.One2many("optical.crm.communication", "landing_page_id", "Communications")
    visit_count = fields.Integer("Visits", compute="_compute_stats")
    opened_count = fields.Integer("Customers who opened", compute="_compute_stats")

    @api.depends("communication_ids.landing_visits")
    def _compute_stats(self):
        groups = self.env["optical.crm.communication"]._read_group(
            [("landing_page_id", "in", self.ids)], ["landing_page_id"], ["landing_visits:sum", "opened:count_distinct"],
        )
        opened = dict(self.env["optical.crm.communication"]._read_group(
            [("landing_page_id", "in", self.ids), ("opened", "=", True)], ["landing_page_id"], ["__count"]))
        visits = {page: total for page, total, _distinct in groups}
        for page in self:
            page.visit_count = visits.get(page._origin, 0)
            page.opened_count = opened.get(page._origin, 0)

    @api.depends("validity_days")  # a field with a default: computed for a new page too (the picker needs it)
    def _compute_render_model(self):
        self.render_model = "optical.crm.landing.placeholder"

    @api.constrains("title", "body")
    def _check_placeholders(self):
        """Texts are templates, not code: outside Odoo's template editors, a
        page's texts hold only its placeholders (the page shows them and drops
        anything else), refused at save naming the field, as a step's texts."""
        if self.env.su or self.env.user.has_group("mail.group_mail_template_editor"):
            return
        for page in self:
            for field_name in ("title", "body"):
                unknown = unknown_placeholders(page[field_name])
                if unknown:
                    raise AccessError(self.env._(
                        "%(field)s: %(expression)s in landing page %(page)s is not one of its placeholders. The "
                        "page is public and shows only %(placeholders)s; other expressions are code, which only "
                        "members of the %(group)s group may write.",
                        field=self._fields[field_name]._description_string(self.env), expression=unknown[0],
                        page=page.name, placeholders=", ".join("{{ %s }}" % p for p in LANDING_PLACEHOLDERS),
                        group=self.env.ref("mail.group_mail_template_editor").name))

    @api.constrains("video_url")
    def _check_video_url(self):
        for page in self.filtered("video_url"):
            if not video_embed(page.video_url):
                raise ValidationError(self.env._(
                    "Video: %(url)s is neither a YouTube or Vimeo link nor a video file (mp4, webm).",
                    url=page.video_url))

    @api.constrains("button_url")
    def _check_button_url(self):
        for page in self.filtered("button_url"):
            if not is_button_url(page.button_url):
                raise ValidationError(self.env._(
                    "Button link: %(url)s must be a web address (https://…), a phone number (tel:…), an e-mail "
                    "address (mailto:…) or a page of this site starting with a single /.", url=page.button_url))

    @api.constrains("validity_days")
    def _check_validity_days(self):
        if any(page.validity_days < 1 for page in self):
            raise ValidationError(self.env._("Valid for (days): at least one day."))

    def _landing_values(self, communication):
        """What the public page shows for ``communication``: the page in the
        customer's language, personalised with the first name only."""
        self.ensure_one()
        page = self.with_context(lang=communication.partner_id._optical_lang())
        values = {"first_name": communication.first_name, "shop_name": communication.company_id.name}
        return {
            # The title is plain text and the body sanitised HTML; only escaped values are inserted.
            "title": Markup(render_landing_html(str(escape(page.title or page.name)), values)),
            "body": Markup(render_landing_html(page.body or "", values)),
            "video": video_embed(page.video_url),
            "button_label": page.button_label,
            "button_url": page.button_url,
            "page_lang": (page.env.lang or "en_US").replace("_", "-"),
            **self._landing_shop_values(communication.company_id, page.env.lang),
        }

    @api.model
    def _landing_shop_values(self, company, lang):
        """The shop's mini-site footer: name, address, phone and opening
        hours (the shop's working hours), in ``lang``."""
        company = company.sudo()
        partner = company.partner_id
        address = ", ".join(
            line.strip() for line in partner._display_address(without_company=True).splitlines() if line.strip())
        day_names = get_day_names("wide", locale=babel_locale_parse(lang or "en_US"))
        hours = {}
        calendar = company.resource_calendar_id
        for attendance in calendar.attendance_ids.filtered(
                lambda a: a.display_type is False and a.day_period != "lunch"
                and (not calendar.two_weeks_calendar or a.week_type == "0")).sorted(
                lambda a: (int(a.dayofweek), a.hour_from)):
            hours.setdefault(int(attendance.dayofweek), []).append("%s–%s" % (
                _hour(attendance.hour_from), _hour(attendance.hour_to)))
        return {
            # The tab's icon: the shop's logo when it has one of its own, else the product's (no 404).
            "favicon_url": ("/logo.png?company=%s" % company.id if company.logo and company.logo != company._get_logo()
                            else "/optical_crm_sms/static/description/icon.png"),
            "shop_name": company.name,
            "shop_address": address,
            "shop_phone": partner.phone or partner.mobile or "",
            "opening_hours": [(day_names[day].capitalize(), ", ".join(spans)) for day, spans in sorted(hours.items())],
        }

    def action_view_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm.optical_crm_communication_action")
        action["domain"] = [("landing_page_id", "=", self.id)]
        action["context"] = {}
        return action


def _hour(value):
    """9.5 → "09:30"."""
    minutes = round(value * 60)
    return "%02d:%02d" % divmod(minutes, 60)


class OpticalCrmLandingPlaceholder(models.AbstractModel):
    """What a landing page can show of its customer, as the fields its
    placeholder picker offers: ``{{ object.first_name }}`` and
    ``{{ object.company_id.name }}`` (rendered by ``tools.landing``)."""

    _name = "optical.crm.landing.placeholder"
    _description = "Landing page placeholders"

    first_name = fields.Char("First name")
    company_id = fields.Many2one("res.company", "Shop")

    @api.model
    def mail_allowed_qweb_expressions(self):
        return ("object.company_id", *LANDING_PLACEHOLDERS)
