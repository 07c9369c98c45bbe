from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

# Demo texts that read the same in Italian.
SAME_IN_ITALIAN = {"San Valentino"}


@tagged("post_install", "-at_install", "optical_crm")
class TestItalianDemo(TransactionCase):
    """The demo is the first thing an Italian shop sees: with Italian loaded,
    every translatable text of every demo record of the Optical CRM modules
    (cycles, steps, SMS texts, landing pages, campaigns, promotions) has its
    Italian."""

    def test_demo_reads_in_italian(self):
        modules = self.env["ir.module.module"].search([("name", "=like", "optical\\_%"), ("state", "=", "installed")])
        if not any(modules.mapped("demo")):
            self.skipTest("the database has no demo data")
        self.env["res.lang"]._activate_lang("it_IT")
        modules._update_translations(["it_IT"], overwrite=True)
        self.env.invalidate_all()
        missing, checked = [], 0
        for data in self.env["ir.model.data"].search([("module", "in", modules.mapped("name")),
                                                      ("name", "=like", "%\\_demo")]):
            if data.model not in self.env:
                continue
            record = self.env[data.model].browse(data.res_id).exists()
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
        self.assertGreater(checked, 20)
        self.assertEqual(missing, [], "demo texts without their Italian")
        cycle = self.env.ref("optical_crm.optical_crm_cycle_step_progressive_call_demo").with_context(lang="it_IT")
        self.assertEqual(cycle.name, "Chiamata di adattamento")
