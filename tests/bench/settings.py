"""The app's own settings (production mode comes from the environment `make bench` sets),
with static files collected into the run's temporary folder instead of the checkout."""

import os

from hackathon.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
