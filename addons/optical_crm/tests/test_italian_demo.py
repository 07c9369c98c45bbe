import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, file_path
from odoo.tools.translate import TranslationModuleReader

# Demo texts that read the same in Italian.
SAME_IN_ITALIAN = {"San Valentino"}
# Words that give an English sentence away (none of them is an Italian word).
ENGLISH_WORDS = {"the", "your", "you", "are", "is", "and", "with", "how", "hello", "until", "held",
                 "back", "time", "main", "shop", "new", "what", "monday", "saturday", "window"}


def english_words(text):
    """The English giveaway words of a text, e.g. {"the", "your"} for "Time for your yearly eye exam"."""
    return {word for word in re.findall(r"[a-z]+", text.lower()) if word in ENGLISH_WORDS}


@tagged("post_install", "-at_install", "optical_crm")
class TestItalianDemo(TransactionCase):
    """The demo is the first thing an Italian shop sees: with Italian loaded,
    every translatable text of every demo record of the Optical CRM modules
    (cycles, steps, SMS texts, landing pages, campaigns, promotions) has its
    Italian."""

    def test_demo_reads_in_italian(self):
        modules = self._load_italian_for_demo()
        missing, checked = [], 0
        in_english, checked_plain = [], []
        for data, record in self._demo_records(modules):
            record_missing, record_checked = self._untranslated_texts(data, record)
            missing += record_missing
            checked += record_checked
            # The texts that are not translatable (what a customer was sent, the sending window's name
            # and days) are written in the shop's language.
            if record and (data.model.startswith("optical.") or data.model == "resource.calendar"):
                for field_name, text in self._plain_texts(data, record):
                    checked_plain.append(data.complete_name)
                    if len(english_words(text)) >= 2 or english_words(text) & {"monday", "saturday"}:
                        in_english.append("%s.%s (%s)" % (data.complete_name, field_name, text[:60]))
        self.assertGreater(checked, 20)
        self.assertEqual(missing, [], "demo texts without their Italian")
        self.assertIn("optical_crm.resource_calendar_sending_window", checked_plain)
        self.assertEqual(in_english, [], "demo texts for an Italian shop written in English")
        cycle = self.env.ref("optical_crm.optical_crm_cycle_step_progressive_call_demo").with_context(lang="it_IT")
        self.assertEqual(cycle.name, "Chiamata di adattamento")

    def _load_italian_for_demo(self):
        """The installed Optical CRM modules, with Italian loaded (skips without demo data)."""
        modules = self.env["ir.module.module"].search([("name", "=like", "optical\\_%"), ("state", "=", "installed")])
        if not any(modules.mapped("demo")):
            self.skipTest("the database has no demo data")
        self.env["res.lang"]._activate_lang("it_IT")
        modules._update_translations(["it_IT"], overwrite=True)
        self.env.invalidate_all()
        return modules

    def _demo_records(self, modules):
        """``(data, record)`` for every record the modules load (demo records, and the data the demo
        shows: segments, the sending window, activity types), not the technical ones (views, menus,
        actions, groups); ``record`` is empty when it no longer exists."""
        for data in self.env["ir.model.data"].search([("module", "in", modules.mapped("name"))]):
            if data.model not in self.env or data.model.startswith("ir.") or data.model == "res.groups":
                continue
            yield data, self.env[data.model].browse(data.res_id).exists()

    def _untranslated_texts(self, data, record):
        """``(missing, checked)``: the record's translatable texts without their Italian, and how many
        texts were checked."""
        missing, checked = [], 0
        fields = [field for field in record._fields.values()
                  if field.translate and field.store and field.column_type and record[field.name]]
        for field in fields:
            self.env.cr.execute(SQL("SELECT %s->>'en_US', %s->>'it_IT' FROM %s WHERE id = %s",
                                    SQL.identifier(field.name), SQL.identifier(field.name),
                                    SQL.identifier(record._table), record.id))
            english, italian = self.env.cr.fetchone()
            checked += 1
            # Names that are Italian already (San Valentino) are the same in both languages.
            if not italian or (italian == english and " " in english.strip() and english not in SAME_IN_ITALIAN):
                missing.append("%s.%s (%s)" % (data.complete_name, field.name, record[field.name][:60]))
        return missing, checked

    def _plain_texts(self, data, record):
        """``(field name, text)`` of the record's stored texts that are not translatable (with a
        sending window's day names)."""
        texts = [(field.name, record[field.name]) for field in record._fields.values()
                 if field.type in ("char", "text", "html") and field.store and not field.translate
                 and isinstance(record[field.name], str)]
        if data.model == "resource.calendar":
            texts += [("attendance_ids", name) for name in record.attendance_ids.mapped("name")]
        return texts

    def test_event_date_in_focus_words(self):
        """An Italian shop reads an event's date in FOCUS's words: the tooltip
        names FOCUS's data inserimento and data consegna."""
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "=", "optical_crm")])._update_translations(
            ["it_IT"], overwrite=True)
        field = self.env["optical.crm.event"].with_context(lang="it_IT").fields_get(["event_date"])["event_date"]
        self.assertEqual(field["string"], "Data evento")
        self.assertIn("data inserimento per un inserimento occhiale", field["help"])
        self.assertIn("data consegna per una consegna", field["help"])

    def test_every_term_has_its_italian(self):
        """Every text Odoo would export for translation from the Optical CRM
        modules (fields, views, menus, code messages, templates, data and demo
        records) has a non-empty Italian in the module's i18n/it.po."""
        modules = self.env["ir.module.module"].search([("name", "=like", "optical\\_%"), ("state", "=", "installed")])
        missing, checked = [], 0
        for module in modules.mapped("name"):
            italian = {entry.msgid for entry in polib.pofile(file_path("%s/i18n/it.po" % module))
                       if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags}
            for _module, _type, _name, _res_id, source, _value, _comments in TranslationModuleReader(
                    self.env.cr, modules=[module]):
                checked += 1
                if source not in italian:
                    missing.append("%s: %s" % (module, source[:80]))
        self.assertGreater(checked, 500)
        self.assertEqual(sorted(set(missing)), [], "texts without their Italian in i18n/it.po")


    def test_every_term_is_referenced_where_odoo_reads_it(self):
        """Odoo translates a view's or a field's text from the it.po entry that names that view or field
        (``#: model_terms:ir.ui.view,arch_db:<view>``): a text whose entry lacks the reference stays
        English there (the app reply dialog's "Customer" and "Close")."""
        modules = self.env["ir.module.module"].search([("name", "=like", "optical\\_%"), ("state", "=", "installed")])
        unreferenced = []
        for module in modules.mapped("name"):
            entries = polib.pofile(file_path("%s/i18n/it.po" % module))
            places = {(entry.msgid, place) for entry in entries for place, _line in entry.occurrences}
            # A Python message needs an entry marked for Python (see the test below).
            python = {entry.msgid for entry in entries if "odoo-python" in (entry.comment or "")}
            for _module, kind, name, res_id, source, _value, comments in TranslationModuleReader(
                    self.env.cr, modules=[module]):
                place = "%s:%s:%s" % (kind, name, res_id)
                if kind in ("model", "model_terms") and (source, place) not in places:
                    unreferenced.append("%s %s" % (place, source[:40]))
                elif kind == "code" and "odoo-python" in comments and source not in python:
                    unreferenced.append("%s %s" % (name, source[:40]))
        self.assertEqual(sorted(set(unreferenced)), [])

    def test_code_terms_are_marked_for_odoo(self):
        """Odoo loads the Italian of a Python message only from an entry marked ``#. odoo-python``: an
        unmarked one stays English in an Italian shop ("Same household as another customer")."""
        modules = self.env["ir.module.module"].search([("name", "=like", "optical\\_%"), ("state", "=", "installed")])
        unmarked = [
            "%s: %s" % (module, entry.msgid[:60])
            for module in modules.mapped("name")
            for entry in polib.pofile(file_path("%s/i18n/it.po" % module))
            if any(place.startswith("code:") and place.endswith(".py") for place, _line in entry.occurrences)
            and "odoo-python" not in (entry.comment or "")]
        self.assertEqual(unmarked, [])


@tagged("post_install", "-at_install", "optical_crm")
class TestDemoRealism(TransactionCase):
    """The demo as a shop would meet it: campaigns dated in their season, only customers targeted, the
    shop's own logo and opening hours."""

    def setUp(self):
        super().setUp()
        if not self.env["ir.module.module"].search([("name", "=", "optical_crm")]).demo:
            self.skipTest("the database has no demo data")

    def test_san_valentino_runs_in_february(self):
        campaign = self.env.ref("optical_crm.optical_crm_campaign_valentine_demo")
        self.assertEqual((campaign.date_start.month, campaign.date_start.day), (2, 1))
        self.assertEqual((campaign.date_end.month, campaign.date_end.day), (2, 14))
        self.assertGreaterEqual(campaign.date_end, campaign.write_date.date(), "the coming one, not a past one")
        for step in campaign.step_ids:
            self.assertLessEqual(step.day_offset, (campaign.date_end - campaign.date_start).days)

    def test_company_contacts_are_neither_customers_nor_targeted(self):
        """Odoo's own demo contacts of companies ("Deco Addict, Addison Olson") are not the shop's customers."""
        company_contacts = self.env["res.partner"].search([("parent_id.is_company", "=", True)])
        if not company_contacts:
            self.skipTest("no company contact in this database")
        customers = self.env["res.partner"].search([("optical_is_customer", "=", True)])
        self.assertFalse(customers & company_contacts)
        self.assertFalse(self.env["optical.crm.communication"].search([("partner_id", "in", company_contacts.ids)]))

    def test_the_shop_has_its_logo_and_hours(self):
        shop = self.env.ref("base.main_company")
        self.assertNotEqual(shop.logo, shop._get_logo(), "the login page shows the shop's logo, not 'Your logo'")
        days = set(shop.resource_calendar_id.attendance_ids.mapped("dayofweek"))
        self.assertIn("5", days, "an optician opens on Saturday")
