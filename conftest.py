"""pytest-odoo defaults for this repository: `pytest --odoo-database=<db> addons/<module>/tests`
reads this repository's odoo.conf and addons path, as scripts/odoo does, unless told otherwise."""
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_cmdline_main(config):
    # Runs before pytest-odoo's own wrapper, which hands these options to Odoo.
    if getattr(config.option, "odoo_database", None):
        if not config.option.odoo_config:
            config.option.odoo_config = str(ROOT / "odoo.conf")
        if not config.option.odoo_addons_path:
            config.option.odoo_addons_path = str(ROOT / "addons")
    yield
