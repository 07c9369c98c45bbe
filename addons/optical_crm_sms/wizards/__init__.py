from . import optical_crm_step_preview_wizard
