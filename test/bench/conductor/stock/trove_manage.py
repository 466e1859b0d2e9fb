#!/usr/bin/python3
"""Stock trove-manage (Trove 18.0.0 from Debian 12) on Python 3.11.

Debian 12's trove-manage calls inspect.getargspec, removed in Python 3.11
("AttributeError: module 'inspect' has no attribute 'getargspec'"); this is the
wrapper of stock-trove-baseline.md section 9.2.
usage: trove_manage.py --config-file FILE db_sync
"""
import inspect
import sys

if not hasattr(inspect, 'getargspec'):
    inspect.getargspec = inspect.getfullargspec
from trove.cmd.manage import main  # noqa: E402

sys.exit(main())
