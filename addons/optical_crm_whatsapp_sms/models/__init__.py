from . import optical_crm_communication, optical_crm_step_mixin
