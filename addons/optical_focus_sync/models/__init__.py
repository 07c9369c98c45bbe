from . import ir_config_parameter
from . import optical_focus_store
from . import optical_focus_record
from . import optical_crm_event
from . import res_partner
