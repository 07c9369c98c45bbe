from . import optical_crm_callback_wizard
from . import optical_crm_export_wizard
from . import optical_crm_step_preview_wizard
