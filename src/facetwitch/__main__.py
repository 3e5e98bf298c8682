import sys

from facetwitch.cli import main

sys.exit(main())
