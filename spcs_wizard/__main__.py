import sys

from spcs_wizard.cli.entry import main

sys.exit(main())
