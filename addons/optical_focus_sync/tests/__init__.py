from . import test_batch
from . import test_route
from . import test_security_wizard
from . import test_reliability
from . import test_dirty_export
from . import test_scale
from . import test_open_from_focus
from . import test_first_load
