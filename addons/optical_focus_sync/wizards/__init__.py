from . import optical_focus_import_wizard
from . import optical_focus_token_wizard
