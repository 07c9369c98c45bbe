from . import optical_app_pairing_wizard
from . import optical_crm_step_preview_wizard
from . import optical_app_reply_wizard
