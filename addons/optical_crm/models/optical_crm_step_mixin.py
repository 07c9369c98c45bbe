import re

from odoo import Command, api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.rendering_tools import parse_inline_template
from odoo.tools.safe_eval import test_python_expr

from odoo.addons.mail.models.mail_render_mixin import format_datetime, format_time

from ..tools.channels import CORE_CHANNELS, cheapest_first, selection

# The channels core delivers (declared in tools/channels.py); the channel
# modules add theirs with ``selection_add`` fed from their declarations.
CHANNELS = selection(*CORE_CHANNELS)
# What a step, and each of its communications, is for.
PURPOSES = [("service", "Service"), ("marketing", "Marketing")]
# The language a step's texts are rendered in, by default: the customer's.
DEFAULT_LANG_TEMPLATE = "{{ object.partner_id.lang }}"
# The value of a QWeb attribute (t-out="…", t-if='…') of an e-mail text.
QWEB_ATTRIBUTE = re.compile(r"""\b(t-[\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def channel_selection(model):
    """The channels this database knows, for a field showing a communication's
    channel (reports, wizards): core's and every installed module's."""
    return model.env["optical.crm.communication"]._fields["channel"]._description_selection(model.env)


class OpticalCrmStepMixin(models.AbstractModel):
    """What a step of a cyclic activity or of a campaign says, and how.

    Texts are rendered per communication with Odoo's own template engine:
    ``{{ object.first_name }}``, ``{{ object.partner_id.name }}``,
    ``{{ object.event_date_text }}``, ``{{ object.company_id.name }}`` (the
    placeholders of ``optical.crm.communication.mail_allowed_qweb_expressions``,
    offered by the placeholder picker of the form).

    Texts are templates, not code, as for ``mail.template``: a text is
    rendered later, by the sender or by whoever exports it, so an expression
    beyond those placeholders is refused at save unless its writer is one of
    Odoo's template editors (``_check_access_right_dynamic_template``), and it
    is evaluated with the rights of the step's writer, never as superuser
    (``_render_template``).
    """

    _name = "optical.crm.step.mixin"
    _inherit = ["mail.render.mixin"]
    _description = "Communication step"
    _order = "sequence, id"
    # Rendered by others than its writer (the sender's cron, staff exporting):
    # checked at save instead, as mail.template (mail.render.mixin create/write).
    _unrestricted_rendering = True

    name = fields.Char("Step", required=True, translate=True)
    sequence = fields.Integer(default=10)
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    purpose = fields.Selection(
        PURPOSES,
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
    # Each step model gives the relation table of its stop conditions and the
    # field of ``optical.crm.step.fallback`` pointing to it.
    stop_event_type_ids = fields.Many2many(
        "optical.crm.event.type", column1="step_id", column2="event_type_id", string="Stop if the customer has")
    fallback_ids = fields.One2many(
        "optical.crm.step.fallback", string="Alternatives", copy=True,
        help="Tried in order when the customer cannot be reached on the step's channel.")
    communication_count = fields.Integer(compute="_compute_communication_stats")

    def _optical_chain(self):
        """The step's channels in the order they are tried: its channel, then
        its alternatives."""
        self.ensure_one()
        return [self.channel, *self.fallback_ids.mapped("channel")]

    def action_fallback_cheapest_first(self):
        """Order the step's chain by what a message costs: the app and
        e-mail (free) first, then SMS (paid per segment), then a call (staff
        time); channels of the same cost keep their order."""
        registry = self.env["optical.crm.communication"]._channel_registry()
        for step in self:
            chain = cheapest_first(step._optical_chain(), registry)
            if chain != step._optical_chain():
                step.write({"channel": chain[0], "fallback_ids": [Command.clear()] + [
                    Command.create({"channel": channel, "sequence": position})
                    for position, channel in enumerate(chain[1:], start=1)]})
        return True

    @api.constrains("channel")
    def _check_chain_once(self):
        """Each channel once in a step's chain."""
        for step in self:
            chain = step._optical_chain()
            twice = next((channel for channel in chain if chain.count(channel) > 1), None)
            if twice:
                labels = dict(channel_selection(self))
                raise ValidationError(self.env._(
                    "Alternatives: %(channel)s is twice in the channels of step %(step)s.",
                    channel=labels.get(twice, twice), step=step.name))

    def _check_chain(self):
        """Every check a step's channel gets at save, for each channel of its
        chain (its alternatives too): a channel module extends it with its
        own (an SMS text, the page of an SMS with link)."""
        self._check_chain_once()
        self._check_email_step()

    @api.constrains("channel", "body", "body_html")
    def _check_email_step(self):
        """An e-mail step without a text would send an empty e-mail to every
        customer of the step: refused at save, naming the field (the SMS
        module does the same for SMS steps). An alternative counts as the
        step's channel."""
        for step in self.filtered(lambda s: "email" in s._optical_chain()):
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

    # ------------------------------------------------------------------
    # Texts are templates, not code
    # ------------------------------------------------------------------

    def _check_access_right_dynamic_template(self):
        """Odoo's check (``mail.template``), naming the field and the
        expression: outside the template editors, a text holds only the
        placeholders of the picker."""
        if self.env.su or self.env.user.has_group("mail.group_mail_template_editor"):
            return
        # As Odoo's check: reads back the texts just saved, whatever their fields' groups.
        for step in self.sudo():
            for field_name, field in step._fields.items():
                if field.type not in ("char", "text", "html") or not step[field_name]:
                    continue
                expression = step._optical_unsafe_expression(field, step[field_name])
                if expression:
                    raise AccessError(self.env._(
                        "%(field)s: %(expression)s in step %(step)s is not a placeholder of the list. Pick the "
                        "customer's data from the placeholder list (type # in the text); other expressions "
                        "are code, which only members of the %(group)s group may write.",
                        field=field._description_string(self.env), expression=expression, step=step.name,
                        group=self.env.ref("mail.group_mail_template_editor").name))

    def _optical_unsafe_expression(self, field, value):
        """The first expression of ``value`` (a text of ``field``) that Odoo
        does not render as a plain field path of the communication, or ``""``."""
        model = self.render_model
        if getattr(field, "render_engine", "inline_template") in ("qweb", "qweb_view"):
            if not self._has_unsafe_expression_template_qweb(value, model):
                return ""
            return next((
                '%s="%s"' % (attribute, double or single)
                for attribute, double, single in QWEB_ATTRIBUTE.findall(str(value))
                if attribute != "t-out" or not self.env["ir.qweb"]._is_expression_allowed(double or single, model)
            ), self.env._("a QWeb instruction"))
        return next((
            "{{ %s }}" % expression.strip()
            for _literal, expression, _default in parse_inline_template(str(value))
            if expression and not self.env["ir.qweb"]._is_expression_allowed(expression, model)
        ), "")

    @api.model
    def _render_template(self, template_src, model, res_ids, engine="inline_template", add_context=None,
                         options=None):
        """Never evaluate a step's text as superuser. A text of plain
        placeholders is read field by field without evaluating anything
        (Odoo's regex mode), whoever renders it. A text with expressions (only
        a template editor can save one) is evaluated with the rights of the
        step's writer (``optical_render_author`` in the context, given by
        ``optical.crm.communication._render_step_field``), and refused when
        that writer is not, or no longer, a template editor."""
        renderer = self
        if (self.env.su or "optical_render_author" in self.env.context) and template_src and (
                self._has_unsafe_expression_template_qweb(template_src, model) if engine == "qweb"
                else engine == "inline_template"
                and self._has_unsafe_expression_template_inline_template(str(template_src), model)):
            # Only the writer's groups and companies are read here.
            author = self.env["res.users"].sudo().browse(self.env.context.get("optical_render_author")).exists()
            if not author or not (author._is_admin() or author.has_group("mail.group_mail_template_editor")):
                raise AccessError(self.env._(
                    "Only members of the %(group)s group may write expressions beyond the placeholders in a "
                    "step's texts; its writer %(user)s is not one.",
                    group=self.env.ref("mail.group_mail_template_editor").name, user=author.name or ""))
            renderer = self.with_env(self.env(user=author.id, su=False, context=dict(
                self.env.context, allowed_company_ids=author.company_ids.ids)))
        return super(OpticalCrmStepMixin, renderer)._render_template(
            template_src, model, res_ids, engine=engine, add_context=add_context, options=options)

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

    @api.depends("channel")  # a field with a default: computed for a new step too (the picker needs it)
    def _compute_render_model(self):
        self.render_model = "optical.crm.communication"

    def _render_lang(self, res_ids, engine="inline_template"):
        # The default language template is the customer's language: read from
        # the customers in one go instead of evaluated once per communication.
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
