from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools.rendering_tools import parse_inline_template
from odoo.tools.safe_eval import test_python_expr

from odoo.addons.mail.models.mail_render_mixin import format_datetime, format_time

# The channels core delivers; the channel modules add theirs with
# ``selection_add`` (optical_crm_sms: sms, sms_link; optical_crm_app: app).
CHANNELS = [
    ("phone", "Phone callback"),
    ("email", "E-mail"),
    ("export", "Export"),
]
# The language a step's texts are rendered in, by default: the customer's.
DEFAULT_LANG_TEMPLATE = "{{ object.partner_id.lang }}"


def channel_selection(model):
    """The channels this database knows, for a field showing a communication's
    channel (reports, wizards): core's and every installed module's."""
    return model.env["optical.crm.communication"]._fields["channel"]._description_selection(model.env)


class OpticalCrmStepMixin(models.AbstractModel):
    """What a step of a cyclic activity or of a campaign says, and how.

    Texts are rendered per communication with Odoo's own template engine:
    ``{{ object.first_name }}``, ``{{ object.partner_id.name }}``,
    ``{{ object.event_id.lens_type }}``, ``{{ object.company_id.name }}``.
    """

    _name = "optical.crm.step.mixin"
    _inherit = ["mail.render.mixin"]
    _description = "Communication step"
    _order = "sequence, id"

    name = fields.Char("Step", required=True, translate=True)
    sequence = fields.Integer(default=10)
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    purpose = fields.Selection(
        [("service", "Service"), ("marketing", "Marketing")],
        required=True,
        default="marketing",
        help="Service contacts (the adaptation call) need no marketing consent and do not count "
        "towards contact pressure.",
    )
    subject = fields.Char("Title", translate=True, help="E-mail subject, app message title, callback summary.")
    body = fields.Text(
        "Text",
        translate=True,
        help="Message text, or the script of the call. Placeholders: {{ object.first_name }}, "
        "{{ object.partner_id.name }}, {{ object.event_date_text }}, {{ object.company_id.name }}.",
    )
    body_html = fields.Html(
        "E-mail text",
        translate=True,
        render_engine="qweb",
        render_options={"post_process": True},
        sanitize="email_outgoing",
        help="The e-mail as the customer sees it, with images and formatting, inside the shop's "
        "layout. Placeholders: <t t-out=\"object.first_name\"/>. Empty: the text above is sent.",
    )
    lang = fields.Char(
        default=DEFAULT_LANG_TEMPLATE,
        help="Language the texts are rendered in: by default the customer's.",
    )
    communication_count = fields.Integer(compute="_compute_communication_stats")

    @api.constrains("channel", "body", "body_html")
    def _check_email_step(self):
        """An e-mail step without a text would send an empty e-mail to every
        customer of the step: refused at save, naming the field (the SMS
        module does the same for SMS steps)."""
        for step in self.filtered(lambda s: s.channel == "email"):
            if not (step.body or "").strip() and tools.is_html_empty(step.body_html):
                raise ValidationError(self.env._(
                    "Text: the e-mail step %(step)s has no text to send.", step=step.name))

    @api.constrains("subject", "body")
    def _check_placeholders(self):
        """A placeholder that cannot be read would stop every message of the
        step on the day: refused at save, naming the field."""
        for step in self:
            for field_name in ("subject", "body"):
                for _literal, expression, _default in parse_inline_template(step[field_name] or ""):
                    error = expression and test_python_expr(expression, mode="eval")
                    if error:
                        raise ValidationError(self.env._(
                            "%(field)s: the placeholder {{ %(expression)s }} of step %(step)s cannot be read: "
                            "%(error)s", field=self._fields[field_name].string, expression=expression,
                            step=step.name, error=error.strip().splitlines()[-1]))

    def _render_eval_context(self):
        # Odoo formats datetimes in the user's time zone (the cron's: UTC); a
        # text sent by a shop, on any channel, speaks the shop's time
        # (``optical.crm.communication._render_step_field`` gives it).
        render_context = super()._render_eval_context()
        shop_tz = self.env.context.get("optical_render_tz")
        if shop_tz:
            render_context["format_datetime"] = (
                lambda dt, tz=False, dt_format=False, lang_code=False:
                format_datetime(self.env, dt, tz or shop_tz, dt_format, lang_code))
            render_context["format_time"] = (
                lambda time, tz=False, time_format=False, lang_code=False:
                format_time(self.env, time, tz or shop_tz, time_format, lang_code))
        return render_context

    def _compute_render_model(self):
        self.render_model = "optical.crm.communication"

    def _render_lang(self, res_ids, engine="inline_template"):
        # The default language template is the customer's language: read from
        # the customers in one go instead of evaluated once per communication
        # (it was half of the rendering time of a sender's batch).
        if (self.lang or "").strip() == DEFAULT_LANG_TEMPLATE and self.render_model == "optical.crm.communication":
            communications = self.env["optical.crm.communication"].browse(res_ids)
            return {communication.id: communication.partner_id.lang or "" for communication in communications}
        return super()._render_lang(res_ids, engine=engine)

    def _classify_per_lang(self, res_ids, engine="inline_template"):
        """A customer whose language is not installed (or who has none) gets
        the texts in the language of their shop, else the database's default,
        instead of stopping the whole batch (``res.partner._optical_lang``)."""
        installed = dict(self.env["res.lang"].get_installed())
        communications = self.env["optical.crm.communication"].browse(res_ids)
        result = {}
        for lang, (template, ids) in super()._classify_per_lang(res_ids, engine=engine).items():
            by_lang = {lang: list(ids)}
            if lang not in installed:  # not installed, or no language at all
                by_lang = {}
                for communication in communications.browse(ids):
                    by_lang.setdefault(communication.partner_id._optical_lang(), []).append(communication.id)
            for lang_code, lang_ids in by_lang.items():
                lang_template = template if lang_code == lang else self.with_context(lang=lang_code)
                if lang_code in result:
                    result[lang_code] = (result[lang_code][0], result[lang_code][1] + lang_ids)
                else:
                    result[lang_code] = (lang_template, lang_ids)
        return result

    @api.depends("channel")
    def _compute_communication_stats(self):
        Communication = self.env["optical.crm.communication"]
        field = self._optical_step_field()
        counts = dict(Communication._read_group([(field, "in", self.ids)], [field], ["__count"]))
        for step in self:
            step.communication_count = counts.get(step._origin, 0)

    def _optical_step_field(self):
        """Name of the communication field pointing to this kind of step."""
        raise NotImplementedError()

    def unlink(self):
        self.env["optical.crm.communication"]._cancel_planned(
            [(self._optical_step_field(), "in", self.ids)], self.env._("Step removed")
        )
        return super().unlink()
