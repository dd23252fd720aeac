"""Entry point: `python -m flowgate_worker serve --model-path DIR` or `... convert --model-path DIR --out F`."""

import sys

from flowgate_worker.cli import main

sys.exit(main(sys.argv[1:]))
