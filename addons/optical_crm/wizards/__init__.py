from . import optical_crm_callback_wizard
from . import optical_crm_export_wizard
