from . import test_planner
from . import test_rules
from . import test_sender
from . import test_callback
from . import test_campaign
from . import test_security
from . import test_export
from . import test_customer_shop
