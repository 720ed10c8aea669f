import sys

from runners.agent.cli import main

sys.exit(main())
