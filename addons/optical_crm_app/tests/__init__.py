from . import test_app_api
from . import test_app_channel
from . import test_app_pairing
from . import test_app_customer_shop
from . import test_app_chat
from . import test_app_segment
from . import test_app_reliability
from . import test_tour_pairing
