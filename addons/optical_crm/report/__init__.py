from . import optical_crm_pivot_mixin
from . import optical_crm_analysis
from . import optical_crm_kpi_report
