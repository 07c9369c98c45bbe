from . import optical_focus_import_wizard
