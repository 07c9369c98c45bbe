from . import optical_crm_analysis
