from . import optical_crm_satisfaction_report
