"""Plain tests: logic that needs no ORM, loaded straight from the addons'
``tools`` packages (importing the addon itself would need Odoo)."""
import importlib.util
import pathlib
import sys

import pytest

ADDONS = pathlib.Path(__file__).resolve().parent.parent / "addons"


def load_tool(addon, module):
    """Import ``addons/<addon>/tools/<module>.py`` without importing the addon."""
    name = "plain_%s_%s" % (addon, module)
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ADDONS / addon / "tools" / ("%s.py" % module))
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    spec.loader.exec_module(loaded)
    return loaded


def _alias_core_tools():
    """The other addons' tools import core's as ``odoo.addons.optical_crm.tools.<name>``:
    without Odoo, that full name is the file loaded here (Python finds a full
    module name in ``sys.modules`` without importing its parents)."""
    for path in sorted((ADDONS / "optical_crm" / "tools").glob("*.py")):
        if path.stem == "__init__":
            continue
        try:
            tool = load_tool("optical_crm", path.stem)
        except ModuleNotFoundError as error:
            if not (error.name or "").startswith("odoo"):
                raise
            # A tool built on Odoo itself (the channels' declarations): not a plain tool.
            sys.modules.pop("plain_optical_crm_%s" % path.stem, None)
            continue
        sys.modules.setdefault("odoo.addons.optical_crm.tools.%s" % path.stem, tool)


_alias_core_tools()


@pytest.fixture(scope="session", autouse=True)
def load_registry():
    """pytest-odoo, when installed, loads an Odoo registry before every session
    and fails without a database ("Missing database name"). These tests need no
    database: this fixture replaces the plugin's for the tests below this folder."""
    yield
