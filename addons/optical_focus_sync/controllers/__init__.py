from . import main
from . import open
