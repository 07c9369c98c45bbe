import base64
import datetime
import logging
import os
import pathlib
import shutil
import unittest
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, new_test_user
from odoo.tests.common import ChromeBrowser

_logger = logging.getLogger(__name__)

SCREENSHOT_SIGNAL = "optical_screenshot:"


class OpticalTourCase(HttpCase):
    """Tours in headless Chromium. Without Chromium (Debian ``chromium``) or
    the Python ``websocket-client`` they are skipped, loudly.

    A tour step logging ``optical_screenshot:<name>`` saves a screenshot of
    the page as ``<name>.png`` in the directory named by the environment
    variable ``OPTICAL_CRM_SCREENSHOTS`` (the module readmes'
    ``static/description/`` are filled this way); without it, nothing is saved.
    """

    browser_size = "1366x900"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        missing = []
        if not any(shutil.which(name) for name in ("chromium", "google-chrome", "chromium-browser")):
            missing.append("Chromium (Debian package chromium)")
        try:
            import websocket  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
        except ImportError:
            missing.append("Python websocket-client")
        if missing:
            _logger.warning("SKIPPED: the browser tours of %s need %s", cls.__name__, " and ".join(missing))
            raise unittest.SkipTest("browser tours need " + " and ".join(missing))

    def browser_js(self, url_path, code, ready="", login=None, timeout=60, **kwargs):
        target = os.environ.get("OPTICAL_CRM_SCREENSHOTS")
        handle_console = ChromeBrowser._handle_console

        def _handle_console(browser, type, args=None, stackTrace=None, **kw):  # pylint: disable=redefined-builtin
            if target and args and type == "log":
                message = str(browser._from_remoteobject(args[0]))
                if message.startswith(SCREENSHOT_SIGNAL):
                    name = message[len(SCREENSHOT_SIGNAL):].strip()
                    future = browser._websocket_send("Page.captureScreenshot", with_future=True)
                    future.add_done_callback(lambda f: _save(name, f))
            return handle_console(browser, type, args=args, stackTrace=stackTrace, **kw)

        def _save(name, future):
            try:
                data = base64.b64decode(future.result(timeout=0)["data"])
            except Exception as error:  # noqa: BLE001 — a screenshot is never worth failing a tour
                _logger.warning("Screenshot %s not taken: %s", name, error)
                return
            path = pathlib.Path(target) / ("%s.png" % name)
            path.write_bytes(data)
            _logger.info("Screenshot saved: %s", path)

        with patch.object(ChromeBrowser, "_handle_console", _handle_console):
            return super().browser_js(url_path, code, ready=ready, login=login, timeout=timeout, **kwargs)

    @classmethod
    def set_up_shop(cls):
        """The tour's shop: the main company, its calls assigned to the
        administrator, no cyclic activity but those the tour creates."""
        cls.shop = cls.env.company
        cls.shop.optical_callback_user_id = cls.env.ref("base.user_admin")
        cls.env["optical.crm.cycle"].search([]).write({"active": False})

    @staticmethod
    def shop_user(env, login, name, shop, owner=False, italian=False, **values):
        """A user of ``shop`` alone: its owner (Optical CRM manager) or an
        assistant. ``italian``: in Italian when it is installed, as in an
        Italian shop."""
        if italian and env["res.lang"]._lang_get("it_IT"):
            values["lang"] = "it_IT"
        group = "optical_crm.group_optical_crm_manager" if owner else "optical_crm.group_optical_crm_user"
        return new_test_user(env, login, groups=group, company_id=shop.id, company_ids=[shop.id], name=name,
                             **values)

    @staticmethod
    def days_ago(days):
        return fields.Date.today() - datetime.timedelta(days=days)
