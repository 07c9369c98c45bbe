from . import optical_crm_communication
