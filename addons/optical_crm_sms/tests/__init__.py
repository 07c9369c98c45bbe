from . import test_sms_send
from . import test_sms_quiet_hours
from . import test_sms_rules
from . import test_sms_controllers
from . import test_sms_analysis
from . import test_sms_reliability
from . import test_sms_step_checks
from . import test_sms_reach
