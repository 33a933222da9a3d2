import sys

from spcs_wizard.cli.main import main

sys.exit(main())
