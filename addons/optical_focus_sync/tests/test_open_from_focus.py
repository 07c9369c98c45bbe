from odoo.tests import tagged

from .common import FocusSyncCase

OPEN_URL = "/optical_focus_sync/open/%s/%s"


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestOpenFromFocus(FocusSyncCase):
    """FOCUS 10 / FOCUS WEB open the customer's card with their own id."""

    def setUp(self):
        super().setUp()
        self.send(self.cliente("C1"))
        self.mario = self.focus_record("cliente", "C1").partner_id
        self.assertTrue(self.mario)

    def test_link_lands_on_the_customer_card_after_login(self):
        response = self.url_open(OPEN_URL % ("MI01", "C1"), allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        self.assertIn("optical_focus_sync", response.headers["Location"], "back to the link after login")
        self.authenticate("focus_staff_a", "focus_staff_a")
        response = self.url_open(OPEN_URL % ("MI01", "C1"), allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertTrue(response.headers["Location"].endswith(
            "/odoo/action-optical_crm.res_partner_action_optical_customers/%s" % self.mario.id))

    def test_unknown_or_other_shop_customer_is_not_found(self):
        self.authenticate("focus_staff_a", "focus_staff_a")
        response = self.url_open(OPEN_URL % ("MI01", "C999"), allow_redirects=False)
        self.assertEqual(response.status_code, 404)
        self.assertIn("C999", response.text)
        self.authenticate("focus_staff_b", "focus_staff_b")
        response = self.url_open(OPEN_URL % ("MI01", "C1"), allow_redirects=False)
        self.assertEqual(response.status_code, 404, "a customer of another shop is not revealed")
        self.assertNotIn(self.mario.name, response.text)
        # Whatever FOCUS (or anyone) puts in the link, the answer is a page, never an error.
        for store, focus_id in (("MI01", "%00"), ("%ff%00", "C1"), ("MI01", "%C3%A9" * 200)):
            response = self.url_open(OPEN_URL % (store, focus_id), allow_redirects=False)
            self.assertEqual(response.status_code, 404, (store, focus_id))

    def test_another_shop_id_takes_the_work_of_an_unknown_one(self):
        """Another shop's FOCUS id is looked for in the user's shops only, like
        an unknown id: the same queries, its customer never loaded, so neither
        the answer nor its time tells that it exists."""
        self.authenticate("focus_staff_b", "focus_staff_b")
        self.url_open(OPEN_URL % ("MI01", "C0"), allow_redirects=False)  # warm the caches
        queries = {}
        for focus_id in ("C999", "C1", "C998", "C1"):
            before = self.env.cr.sql_log_count
            response = self.url_open(OPEN_URL % ("MI01", focus_id), allow_redirects=False)
            self.assertEqual(response.status_code, 404)
            queries.setdefault(focus_id != "C1", set()).add(self.env.cr.sql_log_count - before)
        self.assertGreater(min(queries[True]), 0, "the requests' queries are counted")
        self.assertEqual(len(queries[True]), 1, queries)
        self.assertEqual(queries[False], queries[True], "another shop's id costs what an unknown one costs")
