import unittest

from odoo.tests import tagged

from .common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourReadme(OpticalTourCase):
    """The readme's results screenshots on a demo database in Italian: the demo recall's Results tab,
    the pivot of its uplift and the Results analysis, each taken once its data is on screen (with
    ``OPTICAL_CRM_SCREENSHOTS``, see common_tour). Without the demo data or Italian, skipped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cycle = cls.env.ref("optical_crm.optical_crm_cycle_recall_demo", raise_if_not_found=False)
        if not cls.cycle or not cls.env["res.lang"]._lang_get("it_IT"):
            raise unittest.SkipTest("the readme's screenshots need the demo data and Italian")
        shop = cls.cycle.company_id
        # The night's planning has run, as on a shop's database: the demo campaigns have their customers.
        cls.env["optical.crm.communication"]._cron_plan_communications()
        cls.shop_user(cls.env, "readme_owner", "Anna Titolare", shop, owner=True, email=False, lang="it_IT")

    def test_readme_results(self):
        self.start_tour("/odoo/action-optical_crm.optical_crm_cycle_action/%s" % self.cycle.id,
                        "optical_crm_readme_tour", login="readme_owner", timeout=180)
